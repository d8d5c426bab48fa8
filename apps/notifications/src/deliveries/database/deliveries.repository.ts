import type { AnnouncementKind, DeliveryChannel, DeliveryFailureReason } from '@ki/contracts';
import { raiseAfterCommit } from '@ki/platform';
import type { EntityManager } from 'typeorm';

/** Raised when a transaction that created deliveries commits: the dispatcher of this process attempts them at once. */
export const DELIVERIES_CREATED = 'notifications.deliveries';

/** Creates, for each announcement, one pending delivery per active subscriber that wants its kind; a repeat creates none. */
export async function createDeliveriesFor(
  manager: EntityManager,
  announcements: { announcementId: string; kind: AnnouncementKind }[],
): Promise<number> {
  if (announcements.length === 0) return 0;
  // In the announcements' order, so each subscriber receives them in that order (deliveries go by `seq`).
  const rows: unknown[] = await manager.query(
    `INSERT INTO deliveries (id, announcement_id, subscription_id, channel)
     SELECT gen_random_uuid(), a.id, s.id, s.channel
     FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS a(id, kind, n)
     JOIN subscriptions s ON s.status = 'active' AND a.kind = ANY (s.event_kinds)
     ORDER BY a.n, s.created_at, s.id
     ON CONFLICT (announcement_id, subscription_id) DO NOTHING
     RETURNING id`,
    [announcements.map((a) => a.announcementId), announcements.map((a) => a.kind)],
  );
  if (rows.length > 0) raiseAfterCommit(manager, DELIVERIES_CREATED);
  return rows.length;
}

/** A delivery claimed for an attempt, with its subscriber. */
export interface DueDelivery {
  id: string;
  announcementId: string;
  subscriptionId: string;
  channel: DeliveryChannel;
  /** Attempts made before this one (since the last manual resend). */
  attempts: number;
  target: string;
  /** The subscriber's signing secret, encrypted; null for e-mail. */
  secret: string | null;
  /** Its previous secret (encrypted) while a rotation's overlap lasts, else null. */
  previousSecret: string | null;
  /** End of the claim: the delivery's next attempt time while it is attempted; it also identifies the claim. */
  leaseUntil: Date;
}

/**
 * Claims due deliveries, in the caller's transaction (a short one of its own): for up to
 * `subscribers` active subscribers (those waiting longest first), the run of their oldest pending
 * deliveries that are all due, up to `perSubscriber` of them, in order (`seq`), so each subscriber
 * receives announcements in order and the dispatcher sends one run after another without claiming
 * again. A claim is a lease: each delivery's next attempt time moves to `leaseMs` from now, so
 * nobody picks it up again (nor a younger delivery of the same subscriber, whose run now starts
 * with a delivery not due) until its outcome is recorded, its claim released, or the lease runs
 * out because the claimant died. The subscriber rows stay locked until the transaction ends (SKIP
 * LOCKED), so two instances never claim runs of one subscriber at once. Subscribers in `serving`
 * (whose runs the caller is sending) are passed over.
 *
 * Two statements on purpose: the subscribers are locked first, and the runs are read by a second
 * statement, whose snapshot is taken once the locks are held. In one statement, the deliveries
 * would be read as they were when it started: a claim another instance committed while this one
 * waited for its lock would go unseen, and its deliveries would be claimed and sent twice.
 */
export async function claimDueDeliveries(
  manager: EntityManager,
  subscribers: number,
  perSubscriber: number,
  leaseMs: number,
  serving: string[],
): Promise<DueDelivery[]> {
  if (!manager.queryRunner?.isTransactionActive)
    throw new Error('claimDueDeliveries must run in a transaction: it holds the subscriber locks');
  const waiting: { id: string }[] = await manager.query(
    `SELECT s.id FROM subscriptions s
     WHERE s.status = 'active' AND s.id <> ALL ($2::uuid[])
       AND EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= now())
     ORDER BY (SELECT min(d.seq) FROM deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending')
     LIMIT $1
     FOR NO KEY UPDATE OF s SKIP LOCKED`,
    [subscribers, serving],
  );
  if (waiting.length === 0) return [];
  const [rows]: [(DueDelivery & { seq: string })[], number] = await manager.query(
    `WITH runs AS (
       SELECT r.id FROM unnest($1::uuid[]) AS w(id)
       CROSS JOIN LATERAL (
         SELECT p.id, bool_and(p.next_attempt_at <= now()) OVER (ORDER BY p.seq) AS all_due_so_far
         FROM (SELECT id, seq, next_attempt_at FROM deliveries
               WHERE subscription_id = w.id AND status = 'pending' ORDER BY seq LIMIT $2) p
       ) r
       WHERE r.all_due_so_far
     )
     UPDATE deliveries d
     -- whole milliseconds, so the lease survives the round trip through a JavaScript Date unchanged
     SET next_attempt_at = date_trunc('milliseconds', now()) + make_interval(secs => $3::double precision / 1000)
     FROM runs, subscriptions s
     WHERE d.id = runs.id AND d.status = 'pending' AND s.id = d.subscription_id
     RETURNING d.id, d.seq, d.announcement_id AS "announcementId", d.subscription_id AS "subscriptionId", d.channel, d.attempts,
               s.target, s.secret, CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END AS "previousSecret",
               d.next_attempt_at AS "leaseUntil"`,
    [waiting.map((w) => w.id), perSubscriber, leaseMs],
  );
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))).map(({ seq: _seq, ...delivery }) => delivery);
}

/** Ends claims not attempted (a run stopped at a failure or at shutdown): the deliveries are due again at once. */
export async function releaseClaims(manager: EntityManager, claims: Pick<DueDelivery, 'id' | 'leaseUntil'>[]): Promise<void> {
  if (claims.length === 0) return;
  await manager.query(
    `UPDATE deliveries d SET next_attempt_at = now()
     FROM unnest($1::uuid[], $2::timestamptz[]) AS c(id, lease_until)
     WHERE d.id = c.id AND d.status = 'pending' AND d.next_attempt_at = c.lease_until`,
    [claims.map((c) => c.id), claims.map((c) => c.leaseUntil)],
  );
}

/**
 * Locks a claimed delivery and its subscriber for recording the outcome of the attempt, and
 * returns the subscriber's run of failures before it. Undefined when the claim is gone: the
 * delivery was cancelled, given up, resent, or claimed again after the lease ran out.
 */
export async function lockClaim(
  manager: EntityManager,
  claim: Pick<DueDelivery, 'id' | 'leaseUntil'>,
): Promise<{ consecutiveFailures: number } | undefined> {
  return (await lockClaims(manager, [claim])).get(claim.id);
}

/** {@link lockClaim} for several claims in one statement, locked in id order: the claims still held, by delivery id. */
export async function lockClaims(
  manager: EntityManager,
  claims: Pick<DueDelivery, 'id' | 'leaseUntil'>[],
): Promise<Map<string, { consecutiveFailures: number }>> {
  const rows: { id: string; consecutiveFailures: number }[] = await manager.query(
    `SELECT d.id, s.consecutive_failures AS "consecutiveFailures"
     FROM deliveries d
       JOIN unnest($1::uuid[], $2::timestamptz[]) AS c(id, lease_until) ON d.id = c.id AND d.next_attempt_at = c.lease_until
       JOIN subscriptions s ON s.id = d.subscription_id
     WHERE d.status = 'pending'
     ORDER BY d.id
     FOR NO KEY UPDATE OF d, s`,
    [claims.map((c) => c.id), claims.map((c) => c.leaseUntil)],
  );
  return new Map(rows.map(({ id, consecutiveFailures }) => [id, { consecutiveFailures }]));
}

/** One attempt as logged. */
export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
}

export async function recordAttempt(manager: EntityManager, deliveryId: string, attempt: Omit<AttemptRecord, 'attempt'>): Promise<void> {
  await recordAttempts(manager, [{ deliveryId, ...attempt }]);
}

/** Logs attempts of different deliveries in one statement, each numbered after its delivery's earlier ones. */
export async function recordAttempts(
  manager: EntityManager,
  attempts: (Omit<AttemptRecord, 'attempt'> & { deliveryId: string })[],
): Promise<void> {
  await manager.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, status_code, error)
     SELECT x.id, (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = x.id) + 1,
            x.started_at, x.finished_at, x.outcome, x.status_code, x.error
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::text[])
       AS x(id, started_at, finished_at, outcome, status_code, error)`,
    [
      attempts.map((a) => a.deliveryId),
      attempts.map((a) => a.startedAt),
      attempts.map((a) => a.finishedAt),
      attempts.map((a) => a.outcome),
      attempts.map((a) => a.statusCode),
      attempts.map((a) => a.error),
    ],
  );
}

export async function markSucceeded(manager: EntityManager, deliveryIds: string[]): Promise<void> {
  await manager.query(
    `UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, last_error = NULL, failure_reason = NULL, finished_at = now()
     WHERE id = ANY($1::uuid[])`,
    [deliveryIds],
  );
}

export async function scheduleRetry(manager: EntityManager, deliveryId: string, error: string, nextAttemptAt: Date): Promise<void> {
  await manager.query(`UPDATE deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1`, [
    deliveryId,
    error,
    nextAttemptAt,
  ]);
}

export async function markFailed(manager: EntityManager, deliveryId: string, error: string, reason: DeliveryFailureReason): Promise<void> {
  await manager.query(
    `UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2, failure_reason = $3, finished_at = now()
     WHERE id = $1`,
    [deliveryId, error, reason],
  );
}

/** A delivery given up, with what its failure event needs. */
export interface GivenUpDelivery {
  id: string;
  announcementId: string;
  channel: DeliveryChannel;
  attempts: number;
  hostBodyKey: string;
  lastError: string | null;
}

/** Gives up every pending delivery of a subscriber (it was disabled). */
export async function giveUpPending(
  manager: EntityManager,
  subscriptionId: string,
  reason: DeliveryFailureReason,
): Promise<GivenUpDelivery[]> {
  const [rows]: [GivenUpDelivery[], number] = await manager.query(
    `UPDATE deliveries d SET status = 'failed', failure_reason = $2, finished_at = now()
     FROM announcements a
     WHERE a.id = d.announcement_id AND d.subscription_id = $1 AND d.status = 'pending'
     RETURNING d.id, d.announcement_id AS "announcementId", d.channel, d.attempts, a.host_body_key AS "hostBodyKey",
               d.last_error AS "lastError"`,
    [subscriptionId, reason],
  );
  return rows;
}

/** Cancels every pending delivery of a subscriber (it was deleted). */
export async function cancelPending(manager: EntityManager, subscriptionId: string): Promise<void> {
  await manager.query(`UPDATE deliveries SET status = 'cancelled', finished_at = now() WHERE subscription_id = $1 AND status = 'pending'`, [
    subscriptionId,
  ]);
}

/** A delivery as the delivery log shows it. */
export interface DeliveryRecord {
  id: string;
  announcementId: string;
  subscriptionId: string;
  channel: DeliveryChannel;
  target: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  failureReason: DeliveryFailureReason | null;
  resends: number;
  createdAt: Date;
  finishedAt: Date | null;
}

const DELIVERY_COLUMNS = `
  d.id, d.announcement_id AS "announcementId", d.subscription_id AS "subscriptionId", d.channel, s.target, d.status,
  d.attempts, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt", d.last_error AS "lastError",
  d.failure_reason AS "failureReason", d.resends, d.created_at AS "createdAt", d.finished_at AS "finishedAt"`;

export async function listDeliveries(manager: EntityManager, announcementId: string): Promise<DeliveryRecord[]> {
  return manager.query(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
     WHERE d.announcement_id = $1 ORDER BY d.seq`,
    [announcementId],
  );
}

export async function findDelivery(
  manager: EntityManager,
  announcementId: string,
  subscriptionId: string,
  lock = false,
): Promise<DeliveryRecord | undefined> {
  const rows: DeliveryRecord[] = await manager.query(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
     WHERE d.announcement_id = $1 AND d.subscription_id = $2 ${lock ? 'FOR UPDATE OF d' : ''}`,
    [announcementId, subscriptionId],
  );
  return rows[0];
}

export async function listAttempts(manager: EntityManager, deliveryId: string): Promise<AttemptRecord[]> {
  return manager.query(
    `SELECT attempt, started_at AS "startedAt", finished_at AS "finishedAt", outcome, status_code AS "statusCode", error
     FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
}

/** Puts a delivery back in the queue at once, with a fresh count of attempts (the log keeps the old ones). */
export async function requeue(manager: EntityManager, deliveryId: string): Promise<void> {
  await manager.query(
    `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), failure_reason = NULL, finished_at = NULL,
                           resends = resends + 1
     WHERE id = $1`,
    [deliveryId],
  );
}
