import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { NotificationsError } from '../../shared/notifications.errors';
import { insertSubscription, SubscriptionRecord } from '../database/subscriptions.repository';
import { generateWebhookSecret } from '../domain/webhook-signature';
import { checkWebhookTarget } from '../domain/webhook-target';
import { systemResolver } from '../system-resolver';
import { CreateSubscriptionCommand } from './create-subscription.command';

/** Registers a subscriber. A webhook gets its signing secret, returned only here. */
@Injectable()
export class CreateSubscriptionHandler {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async execute(command: CreateSubscriptionCommand): Promise<SubscriptionRecord & { secret?: string }> {
    if (command.channel === 'webhook') {
      const url = command.url ?? '';
      const refusal = await checkWebhookTarget(url, this.config.webhookTargets, systemResolver);
      if (refusal) throw new NotificationsError(refusal.code, refusal.message);
      const id = randomUUID();
      const secret = generateWebhookSecret();
      const created = await insertSubscription(this.dataSource.manager, {
        id,
        channel: 'webhook',
        target: new URL(url).toString(),
        eventKinds: command.eventKinds,
        secret: this.config.secretBox.encrypt(secret, id),
        description: command.description,
      });
      return { ...created, secret };
    }
    if (!this.config.mail.smtpUrl)
      throw new NotificationsError('NOTIFICATIONS.EMAIL_NOT_CONFIGURED', 'e-mail subscriptions need NOTIFICATIONS_SMTP_URL to be set');
    return insertSubscription(this.dataSource.manager, {
      id: randomUUID(),
      channel: 'email',
      target: command.email ?? '',
      eventKinds: command.eventKinds,
      secret: null,
      description: command.description,
    });
  }
}
