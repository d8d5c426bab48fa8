import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deliveryNotFound, NotificationsError } from '../../shared/notifications.errors';
import { findSubscription } from '../../subscriptions/database/subscriptions.repository';
import { DeliveryRecord, findDelivery, requeue } from '../database/deliveries.repository';

/**
 * An operator sends an announcement to a subscriber again: the same delivery goes back into the
 * queue (same webhook-id, so a receiver that has it can tell), with a fresh count of attempts.
 */
@Injectable()
export class ResendDeliveryHandler {
  constructor(private readonly dataSource: DataSource) {}

  async execute(announcementId: string, subscriptionId: string): Promise<DeliveryRecord> {
    return this.dataSource.transaction(async (manager) => {
      const delivery = await findDelivery(manager, announcementId, subscriptionId, true);
      if (!delivery) throw deliveryNotFound(announcementId, subscriptionId);
      const subscription = await findSubscription(manager, subscriptionId);
      if (subscription?.status !== 'active')
        throw new NotificationsError(
          'NOTIFICATIONS.SUBSCRIPTION_NOT_ACTIVE',
          `subscription ${subscriptionId} is ${subscription?.status ?? 'unknown'}; enable it before resending`,
          { subscriptionId, status: subscription?.status },
        );
      await requeue(manager, delivery.id);
      return (await findDelivery(manager, announcementId, subscriptionId)) as DeliveryRecord;
    });
  }
}
