import { Module } from '@nestjs/common';
import { CreateSubscriptionHandler } from './create-subscription/create-subscription.handler';
import { DeleteSubscriptionHandler } from './delete-subscription/delete-subscription.handler';
import { EnableSubscriptionHandler } from './enable-subscription/enable-subscription.handler';
import { RotateSecretHandler } from './rotate-secret/rotate-secret.handler';
import { SecretEncryptionAtStart } from './secret-encryption.startup';
import { SubscriptionsHttpController } from './subscriptions.http.controller';

@Module({
  controllers: [SubscriptionsHttpController],
  providers: [
    CreateSubscriptionHandler,
    DeleteSubscriptionHandler,
    EnableSubscriptionHandler,
    RotateSecretHandler,
    SecretEncryptionAtStart,
  ],
})
export class SubscriptionsModule {}
