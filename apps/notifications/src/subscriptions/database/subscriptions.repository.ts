import type { AnnouncementKind, DeliveryChannel } from '@ki/contracts';
import type { EntityManager } from 'typeorm';

/** A subscriber as the API shows it; the secret is never read back. */
export interface SubscriptionRecord {
  id: string;
  channel: DeliveryChannel;
  /** Webhook URL or e-mail address. */
  target: string;
  eventKinds: AnnouncementKind[];
  description: string | null;
  status: 'active' | 'disabled' | 'deleted';
  consecutiveFailures: number;
  lastError: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

const COLUMNS = `
  id, channel, target, event_kinds AS "eventKinds", description, status, consecutive_failures AS "consecutiveFailures",
  last_error AS "lastError", created_at AS "createdAt", disabled_at AS "disabledAt"`;

export async function insertSubscription(
  manager: EntityManager,
  s: { id: string; channel: DeliveryChannel; target: string; eventKinds: AnnouncementKind[]; secret: string | null; description?: string },
): Promise<SubscriptionRecord> {
  const rows: SubscriptionRecord[] = await manager.query(
    `INSERT INTO subscriptions (id, channel, target, event_kinds, secret, description)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [s.id, s.channel, s.target, s.eventKinds, s.secret, s.description ?? null],
  );
  return rows[0];
}

/** Subscribers that are not deleted, oldest first. */
export async function listSubscriptions(manager: EntityManager): Promise<SubscriptionRecord[]> {
  return manager.query(`SELECT ${COLUMNS} FROM subscriptions WHERE status <> 'deleted' ORDER BY created_at, id`);
}

export async function findSubscription(manager: EntityManager, id: string, lock = false): Promise<SubscriptionRecord | undefined> {
  const rows: SubscriptionRecord[] = await manager.query(`SELECT ${COLUMNS} FROM subscriptions WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0];
}

export async function markDeleted(manager: EntityManager, id: string): Promise<void> {
  await manager.query(`UPDATE subscriptions SET status = 'deleted', deleted_at = now() WHERE id = $1`, [id]);
}

export async function markEnabled(manager: EntityManager, id: string): Promise<void> {
  await manager.query(
    `UPDATE subscriptions SET status = 'active', consecutive_failures = 0, last_error = NULL, disabled_at = NULL WHERE id = $1`,
    [id],
  );
}

/** Records an attempt's outcome in the subscriber's run of consecutive failures. */
export async function setFailureRun(
  manager: EntityManager,
  id: string,
  consecutiveFailures: number,
  lastError: string | null,
): Promise<void> {
  await manager.query(`UPDATE subscriptions SET consecutive_failures = $2, last_error = $3 WHERE id = $1`, [
    id,
    consecutiveFailures,
    lastError,
  ]);
}

export async function markDisabled(manager: EntityManager, id: string): Promise<void> {
  await manager.query(`UPDATE subscriptions SET status = 'disabled', disabled_at = now() WHERE id = $1`, [id]);
}
