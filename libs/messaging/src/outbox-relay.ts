import { topicName } from '@ki/contracts';
import { Kafka, Producer, TopicMessages } from 'kafkajs';
import type { DataSource, QueryRunner } from 'typeorm';
import { BackoffPolicy, backoffDelay, onCommitSignal } from '@ki/platform';
import { MessagingMetrics } from './metrics';
import { OUTBOX_COMMITTED } from './outbox';

export interface OutboxRelayOptions {
  kafka: Kafka;
  dataSource: DataSource;
  metrics: MessagingMetrics;
  topicPrefix?: string;
  /** Rows sent per round trip. */
  batchSize?: number;
  /** Pause between polls when the outbox is empty; a commit in this process that added events ends it early. */
  idleMs?: number;
  /** Sent rows are deleted after this long. */
  retentionMs?: number;
  backoff?: BackoffPolicy;
  log: { warn(msg: string): void; error(msg: string): void; log(msg: string): void };
}

interface OutboxRow {
  seq: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: string;
}

/** A lock id for pg_try_advisory_lock: only one relay per database sends, so order per key holds. */
const RELAY_LOCK = 0x6b69_6f62; // "kiob"

/** Broker answers after which the producer's id or sequence numbers are no longer valid there. */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** True when the send failed because the broker lost this producer's state (anywhere in the error's causes). */
export function producerStateLost(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++)
    if (e.type && PRODUCER_STATE_ERRORS.has(e.type)) return true;
  return false;
}

/**
 * Sends outbox rows to Kafka in `seq` order with the idempotent producer (acks=all) and marks them
 * sent. One relay per database holds an advisory lock; others wait as standby. A failed send
 * (broker or partition leader down) is retried with backoff by the same producer: it sends the
 * batch again under the same producer id and sequence numbers, so a batch that Kafka had written
 * without the relay hearing of it is not written twice. Only when the broker no longer knows the
 * producer's state (its id or sequence) does a new producer take over; a batch in doubt may then
 * be sent twice. Nothing is marked sent that Kafka did not acknowledge, so an event is never lost,
 * and consumers deduplicate on ce_id.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private lockHolder?: QueryRunner;
  private producer?: Producer;
  private wake?: () => void;
  /** A commit added events while the relay was busy: the next idle pause is skipped, they may not have been read. */
  private eventsAdded = false;
  private idle = false;
  private stopListening?: () => void;
  private lastPruneAt = 0;
  private backlogAt = 0;
  /** Why the relay is not sending, if it is not. */
  problem?: string;
  lastSentAt?: Date;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopListening = onCommitSignal(this.options.dataSource, OUTBOX_COMMITTED, () => this.onEventsAdded());
    this.loop = this.run();
  }

  /** Ends the current poll early (after a commit that added events). */
  poke(): void {
    this.wake?.();
  }

  /** Sends at once what a commit of this process added, instead of after the idle pause (not during a backoff). */
  private onEventsAdded(): void {
    this.eventsAdded = true;
    if (this.idle) this.poke();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopListening?.();
    this.poke();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    await this.releaseLock();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!(await this.holdLock())) {
          this.problem = undefined;
          await this.pause(2000);
          continue;
        }
        const sent = await this.sendBatches();
        await this.pruneIfDue();
        failures = 0;
        this.problem = undefined;
        if (sent < (this.options.batchSize ?? 1000)) await this.idlePause();
      } catch (err) {
        failures++;
        this.problem = `outbox relay failing: ${(err as Error).message}`;
        const delay = backoffDelay(failures, this.options.backoff ?? { initialMs: 500, maxMs: 30_000 });
        this.options.log.warn(`outbox relay: ${(err as Error).message}; retrying in ${delay} ms`);
        if (producerStateLost(err)) await this.resetProducer();
        await this.releaseLockIfDead();
        await this.pause(delay);
      }
    }
  }

  /**
   * Sends unsent rows in seq order, batch after batch, until the outbox is drained or a bounded
   * run is done; returns how many were sent. While Kafka acknowledges one batch, the previous
   * (acknowledged) batch is marked sent and the next one read, so the database and the broker work
   * at the same time. A row is marked only after Kafka acknowledged it. Each read starts from the
   * first unsent row not in flight, so a transaction that committed late with a lower seq is sent
   * before anything that committed after it.
   */
  private async sendBatches(): Promise<number> {
    const q = this.lockHolder as QueryRunner;
    const limit = this.options.batchSize ?? 1000;
    let rows = await this.readUnsent(q, limit, []);
    if (rows.length === 0) {
      await this.updateBacklog(true);
      return 0;
    }
    let acked: OutboxRow[] = [];
    let sent = 0;
    // Bounded, so the loop gets to pruning and to stopping under a steady stream of events.
    for (let round = 0; rows.length > 0 && round < 50 && this.running; round++) {
      const inFlight = rows;
      const [send, next] = await Promise.allSettled([
        this.send(inFlight),
        this.markSent(q, acked).then(() => (inFlight.length < limit ? [] : this.readUnsent(q, limit, inFlight))),
      ]);
      // The database failed: the acknowledged rows stay unmarked and are sent again (consumers deduplicate).
      if (next.status === 'rejected') throw next.reason;
      // Kafka failed: the previous batch is marked by now, this one is not and is sent again.
      if (send.status === 'rejected') throw send.reason;
      acked = inFlight;
      sent += inFlight.length;
      rows = next.value;
    }
    await this.markSent(q, acked);
    await this.updateBacklog(false);
    return sent;
  }

  private readUnsent(q: QueryRunner, limit: number, inFlight: OutboxRow[]): Promise<OutboxRow[]> {
    return q.query(
      `SELECT seq, topic, message_key, headers, payload FROM messaging_outbox
       WHERE sent_at IS NULL AND seq <> ALL($2::bigint[]) ORDER BY seq LIMIT $1`,
      [limit, inFlight.map((r) => r.seq)],
    );
  }

  /** Sends rows with one request; consecutive rows of one topic form one entry, so Kafka receives them in seq order per key. */
  private async send(rows: OutboxRow[]): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    for (const row of rows) {
      const topic = topicName(row.topic as never, this.options.topicPrefix);
      const message = { key: row.message_key, value: row.payload, headers: row.headers };
      const last = topicMessages[topicMessages.length - 1];
      if (last?.topic === topic) last.messages.push(message);
      else topicMessages.push({ topic, messages: [message] });
    }
    const producer = await this.connectedProducer();
    await producer.sendBatch({ topicMessages, acks: -1 });
    for (const t of topicMessages) this.options.metrics.published.inc({ topic: t.topic }, t.messages.length);
    this.lastSentAt = new Date();
  }

  private async markSent(q: QueryRunner, rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await q.query(`UPDATE messaging_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
  }

  /** The backlog gauge, refreshed at most every 5 s (or now, when the outbox looks empty). */
  private async updateBacklog(now: boolean): Promise<void> {
    if (!now && Date.now() - this.backlogAt < 5000) return;
    this.backlogAt = Date.now();
    const [{ backlog }] = await (this.lockHolder as QueryRunner).query(
      `SELECT count(*)::int AS backlog FROM messaging_outbox WHERE sent_at IS NULL`,
    );
    this.options.metrics.outboxBacklog.set(backlog);
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < 60_000) return;
    this.lastPruneAt = Date.now();
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3600_000;
    await this.lockHolder?.query(`DELETE FROM messaging_outbox WHERE sent_at < now() - $1::interval`, [
      `${Math.round(retentionMs / 1000)} seconds`,
    ]);
  }

  private async holdLock(): Promise<boolean> {
    if (this.lockHolder && !this.lockHolder.isReleased) return true;
    const runner = this.options.dataSource.createQueryRunner();
    await runner.connect();
    const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [RELAY_LOCK]);
    if (!locked) {
      await runner.release();
      return false;
    }
    this.lockHolder = runner;
    this.options.log.log('outbox relay active');
    return true;
  }

  private async releaseLock(): Promise<void> {
    const runner = this.lockHolder;
    this.lockHolder = undefined;
    if (!runner || runner.isReleased) return;
    await runner.query(`SELECT pg_advisory_unlock($1)`, [RELAY_LOCK]).catch(() => undefined);
    await runner.release().catch(() => undefined);
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded here: the relay loop retries with backoff on a fresh producer and reports the outage.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  /** A new producer (new producer id, fresh sequence numbers), when the broker lost the old one's state. */
  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** After a failure: a lock connection that died is let go, so the next round takes the lock afresh. */
  private async releaseLockIfDead(): Promise<void> {
    if (this.lockHolder?.isReleased === false) {
      const alive = await this.lockHolder.query('SELECT 1').then(
        () => true,
        () => false,
      );
      if (!alive) await this.releaseLock();
    }
  }

  /** Waits for the next poll, unless a commit added events since the outbox was last read. */
  private async idlePause(): Promise<void> {
    if (!this.eventsAdded) {
      this.idle = true;
      await this.pause(this.options.idleMs ?? 100);
      this.idle = false;
    }
    this.eventsAdded = false;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
