import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationsError } from '../../shared/notifications.errors';
import { findSubscription, markEnabled, SubscriptionRecord } from '../database/subscriptions.repository';

/**
 * Enables a disabled subscriber again with a fresh run of failures. It receives announcements
 * published from now on; those given up while it was disabled can be resent by an operator.
 */
@Injectable()
export class EnableSubscriptionHandler {
  constructor(private readonly dataSource: DataSource) {}

  async execute(id: string): Promise<SubscriptionRecord> {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await findSubscription(manager, id, true);
      if (!subscription || subscription.status === 'deleted')
        throw new NotificationsError('NOTIFICATIONS.SUBSCRIPTION_NOT_FOUND', `no subscription with id ${id}`, { subscriptionId: id });
      await markEnabled(manager, id);
      return { ...subscription, status: 'active', consecutiveFailures: 0, lastError: null, disabledAt: null };
    });
  }
}
