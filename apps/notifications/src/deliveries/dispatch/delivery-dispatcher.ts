import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventTypes } from '@ki/contracts';
import { classifyFailure, Outbox } from '@ki/messaging';
import { HealthChecks, onCommitSignal, SERVICE_CONFIG } from '@ki/platform';
import { DataSource, EntityManager } from 'typeorm';
import { AnnouncementRecord, findAnnouncements } from '../../announcements/database/announcements.repository';
import { NotificationsConfig } from '../../config';
import { PollingLoop } from '../../shared/polling-loop';
import { reportLoopHealth } from '../../shared/polling-loop-health';
import { deleteExpiredPreviousSecrets, markDisabled, setFailureRun } from '../../subscriptions/database/subscriptions.repository';
import { webhookHeaders } from '../../subscriptions/domain/webhook-signature';
import {
  claimDueDeliveries,
  DELIVERIES_CREATED,
  DueDelivery,
  giveUpPending,
  lockClaim,
  lockClaims,
  markFailed,
  markSucceeded,
  recordAttempt,
  recordAttempts,
  releaseClaims,
  scheduleRetry,
} from '../database/deliveries.repository';
import { afterFailedAttempt } from '../domain/retry-policy';
import { EmailSender } from './email-sender';
import { emailSubject, webhookBody } from './webhook-payload';
import { postWebhook } from './webhook-sender';

/** Subscribers served at once, each with a run of its deliveries. */
const SUBSCRIBERS_AT_ONCE = 10;
/** Deliveries of one subscriber claimed at once and sent one after another, in order. */
const RUN_LENGTH = 100;

/** Recording the outcome of one delivery failed. */
class RecordFailed extends Error {
  constructor(
    readonly deliveryId: string,
    cause: unknown,
  ) {
    super((cause as Error).message, { cause });
  }
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * Works the deliveries table like an outbox, in three steps so that no transaction stays open
 * while a receiver answers: claims runs of due deliveries with a lease in a short transaction
 * (several subscribers, each with its oldest deliveries in order; SKIP LOCKED, so several
 * instances share the work), attempts each subscriber's run one delivery after another with no
 * transaction open, and records each outcome (the attempt, the retry or the giving-up, and the
 * resulting events) in a short transaction of its own. A failed attempt ends its run: the
 * deliveries behind it are released and wait until it succeeds, so order holds.
 *
 * Subscribers do not wait for one another: a round claims runs for the subscribers not served at
 * the moment and does not wait for them to end; a subscriber's next run is claimed when its run
 * has ended. So a slow receiver holds up its own deliveries only.
 *
 * A delivery whose outcome was recorded is never attempted again. A crash between an attempt and
 * its record leaves the claim to run out, and the delivery is attempted again: delivery is
 * at-least-once, with the same webhook-id (or Message-ID) each time, by which receivers
 * deduplicate as the Standard Webhooks convention expects.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;
  private readonly email: EmailSender;
  private readonly logger = new Logger(DeliveryDispatcher.name);
  /** How long a claim lasts: well beyond one attempt's time limit, so only a dead claimant loses it. */
  private readonly leaseMs: number;
  private stopListening?: () => void;
  /** Runs under way, by subscription id. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.loop = new PollingLoop('delivery dispatcher', config.pollIntervalMs, () => this.dispatchDue(), this.logger);
    this.leaseMs = Math.max(60_000, 3 * config.delivery.timeoutMs);
    this.email = new EmailSender(config.mail, config.mail.from, config.delivery.timeoutMs);
  }

  onApplicationBootstrap(): void {
    reportLoopHealth(this.checks, this.indicators, 'deliveryDispatcher', this.loop);
    // Deliveries created in this process are attempted right after their commit, not at the next poll.
    this.stopListening = onCommitSignal(this.dataSource, DELIVERIES_CREATED, () => this.loop.wake());
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopListening?.();
    await this.loop.stop();
    await Promise.all(this.running.values());
    this.email.close();
  }

  /**
   * One round: claims the due deliveries of subscribers not served at the moment and starts a run
   * for each, without waiting for them; true when there were some. A run that ends wakes the loop,
   * for its subscriber's next deliveries. A record that fails is logged and its delivery attempted
   * again when the lease runs out; while the database is down, the next round fails too, so the
   * loop backs off and reports it.
   */
  async dispatchDue(): Promise<boolean> {
    const free = SUBSCRIBERS_AT_ONCE - this.running.size;
    if (free <= 0) return false;
    await deleteExpiredPreviousSecrets(this.dataSource.manager);
    const due = await this.dataSource.transaction((manager) =>
      claimDueDeliveries(manager, free, RUN_LENGTH, this.leaseMs, [...this.running.keys()]),
    );
    if (due.length === 0) return false;
    const announcements = new Map(
      (await findAnnouncements(this.dataSource.manager, [...new Set(due.map((d) => d.announcementId))])).map((a) => [a.id, a]),
    );
    const runs = new Map<string, DueDelivery[]>();
    for (const delivery of due) {
      const run = runs.get(delivery.subscriptionId);
      if (run) run.push(delivery);
      else runs.set(delivery.subscriptionId, [delivery]);
    }
    for (const [subscriptionId, run] of runs) {
      const done = this.deliverRun(run, announcements)
        .catch((err: RecordFailed) => {
          // An outage is expected (the next round meets it too and backs off); anything else is a fault.
          const log = classifyFailure(err.cause) === 'infrastructure' ? 'warn' : 'error';
          this.logger[log](
            `delivery ${err.deliveryId}: recording its attempt failed, it is attempted again when its claim runs out (${this.leaseMs} ms): ${err.message}`,
          );
        })
        .finally(() => {
          this.running.delete(subscriptionId);
          this.loop.wake();
        });
      this.running.set(subscriptionId, done);
    }
    return true;
  }

  /**
   * Attempts one subscriber's deliveries in order and records their outcomes; stops at the first
   * failure (or when the service stops) and releases the claims behind it. Posting does not wait
   * for recording: while one record is written, the successes posted meanwhile gather and are
   * recorded together in the next one, so the run goes at the receiver's pace. A success is known
   * before its record, so order holds. When a record fails, the run stops and its deliveries are
   * attempted again when their claims run out; the receiver already has them and drops the
   * repeats by their webhook-id.
   */
  private async deliverRun(run: DueDelivery[], announcements: Map<string, AnnouncementRecord>): Promise<void> {
    let next = 0;
    let posted: Attempted[] = [];
    let failed: RecordFailed | undefined;
    // The record under way; it starts the next one itself when successes gathered meanwhile.
    let recording: Promise<void> | undefined;
    const recordPosted = (): Promise<void> => {
      const batch = posted;
      posted = [];
      return this.dataSource
        .transaction((manager) => this.recordSuccesses(manager, batch))
        .then(
          () => (posted.length > 0 && !failed ? recordPosted() : undefined),
          (err: unknown) => {
            failed ??= new RecordFailed(batch[0].delivery.id, err);
          },
        );
    };
    // Records every success posted so far; a failure is recorded after them, as it happened.
    const recordAllPosted = async () => {
      await recording;
      if (posted.length > 0 && !failed) await recordPosted();
    };
    try {
      while (next < run.length && !this.loop.stopping && !failed) {
        const delivery = run[next++];
        const announcement = announcements.get(delivery.announcementId) as AnnouncementRecord;
        const outcome = await this.attempt(delivery, announcement);
        if (!outcome.ok) {
          await recordAllPosted();
          if (!failed)
            await this.dataSource
              .transaction((manager) => this.recordFailure(manager, delivery, announcement, outcome))
              .catch((err: unknown) => (failed = new RecordFailed(delivery.id, err)));
          break;
        }
        posted.push({ delivery, announcement, outcome });
        recording ??= recordPosted().finally(() => (recording = undefined));
      }
      await recordAllPosted();
      if (failed) throw failed;
    } finally {
      await recording;
      await releaseClaims(this.dataSource.manager, run.slice(next)).catch((err: Error) =>
        this.logger.warn(
          `releasing ${run.length - next} claimed deliveries failed, they are due when their claims run out: ${err.message}`,
        ),
      );
    }
  }

  private async attempt(delivery: DueDelivery, announcement: AnnouncementRecord): Promise<Outcome> {
    const startedAt = new Date();
    try {
      if (delivery.channel === 'webhook') {
        const body = webhookBody(announcement);
        // The new secret's signature first; the previous one's too while a rotation's overlap lasts.
        const secrets = [delivery.secret, delivery.previousSecret]
          .filter((stored): stored is string => stored !== null)
          .map((stored) => this.config.secretBox.decrypt(stored, delivery.subscriptionId));
        const headers = webhookHeaders(secrets, delivery.id, Math.floor(startedAt.getTime() / 1000), body);
        const answer = await postWebhook(delivery.target, headers, body, {
          policy: this.config.webhookTargets,
          timeoutMs: this.config.delivery.timeoutMs,
        });
        const ok = answer.statusCode >= 200 && answer.statusCode < 300;
        const error = ok ? null : `HTTP ${answer.statusCode}${answer.bodyStart ? `: ${answer.bodyStart.slice(0, 200)}` : ''}`;
        return { ok, statusCode: answer.statusCode, error, startedAt, finishedAt: new Date() };
      }
      await this.email.send({
        to: delivery.target,
        subject: emailSubject(announcement),
        text: announcement.text,
        messageId: `<${delivery.id}@notifications.ki-network.invalid>`,
        headers: { 'X-KI-Announcement-Id': announcement.id, 'X-KI-Announcement-Number': announcement.number },
      });
      return { ok: true, statusCode: null, error: null, startedAt, finishedAt: new Date() };
    } catch (err) {
      const e = err as Error & { code?: string };
      return {
        ok: false,
        statusCode: null,
        error: `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 1000),
        startedAt,
        finishedAt: new Date(),
      };
    }
  }

  /** Records successful attempts of one subscriber's run: one statement for each kind of write. */
  private async recordSuccesses(manager: EntityManager, attempted: Attempted[]): Promise<void> {
    const claims = await lockClaims(
      manager,
      attempted.map(({ delivery }) => delivery),
    );
    await recordAttempts(
      manager,
      attempted.map(({ delivery, outcome }) => ({ deliveryId: delivery.id, ...attemptOf(outcome) })),
    );
    const held = attempted.filter(({ delivery }) => {
      if (claims.has(delivery.id)) return true;
      // Someone else decided about the delivery meanwhile; the attempt stays in the log only.
      this.logger.warn(`delivery ${delivery.id}: its claim ended during the attempt, the outcome is logged but changes nothing`);
      return false;
    });
    if (held.length === 0) return;
    await markSucceeded(
      manager,
      held.map(({ delivery }) => delivery.id),
    );
    // Most successes follow a success: the subscriber row is written only to end a run of failures.
    if (held.some(({ delivery }) => (claims.get(delivery.id)?.consecutiveFailures ?? 0) > 0))
      await setFailureRun(manager, held[0].delivery.subscriptionId, 0, null);
    await this.outbox.addEncoded(
      manager,
      held.map(({ delivery, announcement }) =>
        this.outbox.encode(
          EventTypes.AnnouncementDeliverySucceededV1,
          { ...deliveryFacts(delivery, announcement), attempts: delivery.attempts + 1 },
          { correlationId: announcement.correlationId },
        ),
      ),
    );
  }

  /** Records a failed attempt: a retry later, or giving up, and the subscriber's run of failures. */
  private async recordFailure(
    manager: EntityManager,
    delivery: DueDelivery,
    announcement: AnnouncementRecord,
    outcome: Outcome,
  ): Promise<void> {
    const origin = { correlationId: announcement.correlationId };
    const attempts = delivery.attempts + 1;
    const claim = await lockClaim(manager, delivery);
    await recordAttempt(manager, delivery.id, attemptOf(outcome));
    if (!claim) {
      // Someone else decided about the delivery meanwhile; the attempt stays in the log only.
      this.logger.warn(`delivery ${delivery.id}: its claim ended during the attempt, the outcome is logged but changes nothing`);
      return;
    }
    const common = deliveryFacts(delivery, announcement);
    const error = outcome.error || 'failed';
    const decision = afterFailedAttempt(
      { attempts, consecutiveFailures: claim.consecutiveFailures },
      this.config.delivery,
      outcome.finishedAt,
    );
    await setFailureRun(manager, delivery.subscriptionId, decision.consecutiveFailures, error);
    if (decision.delivery.status === 'pending') {
      await scheduleRetry(manager, delivery.id, error, decision.delivery.nextAttemptAt);
    } else {
      await markFailed(manager, delivery.id, error, decision.delivery.reason);
      await this.outbox.add(
        manager,
        EventTypes.AnnouncementDeliveryFailedV1,
        { ...common, attempts, reason: decision.delivery.reason, lastError: error },
        origin,
      );
    }
    if (!decision.disableSubscriber) return;
    await markDisabled(manager, delivery.subscriptionId);
    await this.outbox.add(
      manager,
      EventTypes.SubscriberDisabledV1,
      {
        subscriptionId: delivery.subscriptionId,
        channel: delivery.channel,
        consecutiveFailures: decision.consecutiveFailures,
        lastError: error,
      },
      origin,
    );
    for (const other of await giveUpPending(manager, delivery.subscriptionId, 'SUBSCRIBER_DISABLED')) {
      await this.outbox.add(manager, EventTypes.AnnouncementDeliveryFailedV1, {
        deliveryId: other.id,
        announcementId: other.announcementId,
        subscriptionId: delivery.subscriptionId,
        channel: other.channel,
        hostBodyKey: other.hostBodyKey,
        attempts: other.attempts,
        reason: 'SUBSCRIBER_DISABLED' as const,
        lastError: other.lastError ?? `subscriber disabled after ${decision.consecutiveFailures} consecutive failures`,
      });
    }
  }
}

/** A delivery posted, with its announcement and the outcome of the attempt. */
interface Attempted {
  delivery: DueDelivery;
  announcement: AnnouncementRecord;
  outcome: Outcome;
}

function attemptOf(outcome: Outcome) {
  return {
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    outcome: outcome.ok ? ('succeeded' as const) : ('failed' as const),
    statusCode: outcome.statusCode,
    error: outcome.error,
  };
}

/** What the delivery events say about a delivery. */
function deliveryFacts(delivery: DueDelivery, announcement: AnnouncementRecord) {
  return {
    deliveryId: delivery.id,
    announcementId: announcement.id,
    subscriptionId: delivery.subscriptionId,
    channel: delivery.channel,
    hostBodyKey: announcement.hostBodyKey,
  };
}
