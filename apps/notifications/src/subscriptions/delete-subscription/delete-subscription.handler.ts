import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cancelPending } from '../../deliveries/database/deliveries.repository';
import { NotificationsError } from '../../shared/notifications.errors';
import { findSubscription, markDeleted } from '../database/subscriptions.repository';

/** Removes a subscriber: nothing more is delivered to it, its pending deliveries are cancelled; the log stays. */
@Injectable()
export class DeleteSubscriptionHandler {
  constructor(private readonly dataSource: DataSource) {}

  async execute(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const subscription = await findSubscription(manager, id, true);
      if (!subscription || subscription.status === 'deleted')
        throw new NotificationsError('NOTIFICATIONS.SUBSCRIPTION_NOT_FOUND', `no subscription with id ${id}`, { subscriptionId: id });
      await markDeleted(manager, id);
      await cancelPending(manager, id);
    });
  }
}
