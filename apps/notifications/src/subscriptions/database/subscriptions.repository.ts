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

/**
 * Makes `secret` (encrypted) the subscriber's signing secret; the current one stays valid for
 * `overlapSeconds` (by the database's clock) as its previous secret, replacing any earlier one.
 * Returns the end of the overlap, null without one.
 */
export async function rotateSecret(manager: EntityManager, id: string, secret: string, overlapSeconds: number): Promise<Date | null> {
  const [rows]: [{ until: Date | null }[], number] = await manager.query(
    `UPDATE subscriptions
     SET previous_secret       = CASE WHEN $3 > 0 THEN secret END,
         previous_secret_until = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) END,
         secret                = $2
     WHERE id = $1
     RETURNING previous_secret_until AS until`,
    [id, secret, overlapSeconds],
  );
  return rows[0].until;
}

/** Deletes previous secrets whose overlap has ended. */
export async function deleteExpiredPreviousSecrets(manager: EntityManager): Promise<void> {
  await manager.query(`UPDATE subscriptions SET previous_secret = NULL, previous_secret_until = NULL WHERE previous_secret_until <= now()`);
}

/** The stored (encrypted, or plain from before encryption at rest) secrets of every webhook subscriber, locked. */
export async function lockStoredSecrets(manager: EntityManager): Promise<{ id: string; secret: string; previousSecret: string | null }[]> {
  return manager.query(
    `SELECT id, secret, previous_secret AS "previousSecret" FROM subscriptions WHERE secret IS NOT NULL ORDER BY id FOR UPDATE`,
  );
}

export async function updateStoredSecrets(
  manager: EntityManager,
  id: string,
  secret: string,
  previousSecret: string | null,
): Promise<void> {
  await manager.query(`UPDATE subscriptions SET secret = $2, previous_secret = $3 WHERE id = $1`, [id, secret, previousSecret]);
}
