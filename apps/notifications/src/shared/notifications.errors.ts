import type { TargetRefusal } from '../subscriptions/domain/webhook-target';

/** Stable codes of the notifications service's rule violations. */
export type NotificationsErrorCode =
  | 'NOTIFICATIONS.ANNOUNCEMENT_NOT_FOUND'
  | 'NOTIFICATIONS.SUBSCRIPTION_NOT_FOUND'
  | 'NOTIFICATIONS.DELIVERY_NOT_FOUND'
  | 'NOTIFICATIONS.SUBSCRIPTION_NOT_ACTIVE'
  | 'NOTIFICATIONS.SUBSCRIPTION_DELETED'
  | 'NOTIFICATIONS.EMAIL_NOT_CONFIGURED'
  | 'NOTIFICATIONS.NOT_A_WEBHOOK'
  | TargetRefusal['code'];

/** A request that breaks a notifications rule; `details` is safe to show to the caller. */
export class NotificationsError extends Error {
  override readonly name = 'NotificationsError';
  constructor(
    readonly code: NotificationsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 404 for a delivery of an announcement to a subscriber that does not exist. */
export function deliveryNotFound(announcementId: string, subscriptionId: string): NotificationsError {
  return new NotificationsError('NOTIFICATIONS.DELIVERY_NOT_FOUND', `announcement ${announcementId} has no delivery to ${subscriptionId}`, {
    announcementId,
    subscriptionId,
  });
}
