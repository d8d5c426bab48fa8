import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { NotificationsError } from '../../shared/notifications.errors';
import { findSubscription, rotateSecret } from '../database/subscriptions.repository';
import { generateWebhookSecret } from '../domain/webhook-signature';
import { DEFAULT_OVERLAP_SECONDS, RotateSecretCommand } from './rotate-secret.command';

/** The answer of a rotation; the new secret is shown here only. */
export interface RotatedSecret {
  id: string;
  secret: string;
  /** Until when the previous secret still signs deliveries too; null when it ended at once. */
  previousSecretValidUntil: Date | null;
}

/**
 * Gives a webhook subscriber a new signing secret. During the overlap every delivery carries two
 * signatures (`v1,<new> v1,<old>`), so the receiver can switch secrets without losing deliveries;
 * a rotation during an overlap ends the earlier one (only the newest two secrets are kept).
 */
@Injectable()
export class RotateSecretHandler {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async execute(id: string, command: RotateSecretCommand): Promise<RotatedSecret> {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await findSubscription(manager, id, true);
      if (!subscription || subscription.status === 'deleted')
        throw new NotificationsError('NOTIFICATIONS.SUBSCRIPTION_NOT_FOUND', `no subscription with id ${id}`, { subscriptionId: id });
      if (subscription.channel !== 'webhook')
        throw new NotificationsError('NOTIFICATIONS.NOT_A_WEBHOOK', `subscription ${id} is an e-mail subscription and has no secret`, {
          subscriptionId: id,
        });
      const secret = generateWebhookSecret();
      const until = await rotateSecret(
        manager,
        id,
        this.config.secretBox.encrypt(secret, id),
        command.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS,
      );
      return { id, secret, previousSecretValidUntil: until };
    });
  }
}
