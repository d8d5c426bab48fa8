import { Module } from '@nestjs/common';
import { CreateSubscriptionHandler } from './create-subscription/create-subscription.handler';
import { DeleteSubscriptionHandler } from './delete-subscription/delete-subscription.handler';
import { EnableSubscriptionHandler } from './enable-subscription/enable-subscription.handler';
import { SubscriptionsHttpController } from './subscriptions.http.controller';

@Module({
  controllers: [SubscriptionsHttpController],
  providers: [CreateSubscriptionHandler, DeleteSubscriptionHandler, EnableSubscriptionHandler],
})
export class SubscriptionsModule {}
