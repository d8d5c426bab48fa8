import { topicName } from '@ki/contracts';
import { Admin, Kafka, Partitioners, Producer } from 'kafkajs';
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

export interface OutboxRow {
  seq: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: string;
  /** When the transaction that wrote it started (PostgreSQL's `now()`), in epoch ms: a number is cheaper to read than a date. */
  created_ms: number;
}

/** The rows of one partition, in seq order: what one produce request carries. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  rows: OutboxRow[];
}

const partitionOf = Partitioners.DefaultPartitioner();

/**
 * Groups rows by the partition Kafka's default partitioner gives their key (the one the
 * producer would choose), keeping seq order within each partition.
 */
export function partitionBatches(
  rows: OutboxRow[],
  topicOf: (row: OutboxRow) => string,
  partitionCounts: Map<string, number>,
): PartitionBatch[] {
  const batches = new Map<string, PartitionBatch>();
  const metadata = new Map<string, { partitionId: number; leader: number }[]>();
  for (const row of rows) {
    const topic = topicOf(row);
    let partitionMetadata = metadata.get(topic);
    if (!partitionMetadata) {
      const count = partitionCounts.get(topic);
      if (!count) throw new Error(`no partition count known for topic ${topic}`);
      partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 }));
      metadata.set(topic, partitionMetadata);
    }
    const partition = partitionOf({ topic, partitionMetadata: partitionMetadata as never, message: { key: row.message_key, value: null } });
    const id = `${topic}:${partition}`;
    const batch = batches.get(id);
    if (batch) batch.rows.push(row);
    else batches.set(id, { topic, partition, rows: [row] });
  }
  return [...batches.values()];
}

/** What one send achieved: the rows Kafka acknowledged, and the partitions it did not (with the first error). */
interface SendResult {
  acked: OutboxRow[];
  failed: PartitionBatch[];
  error?: unknown;
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
 * sent. One relay per database holds an advisory lock; others wait as standby.
 *
 * Each partition's rows go in a produce request of their own, so the relay knows for each
 * partition whether Kafka acknowledged them: a send spanning several brokers fails as a whole
 * after some brokers may have written their part, and sending all of it again would write those
 * parts twice. The rows of a partition whose send failed are in doubt: the next round sends exactly
 * those rows again, before anything else, under the same producer id and sequence numbers, so a
 * batch the broker wrote without the relay hearing of it is recognised and not written twice.
 * Only when the broker no longer knows the producer's state (its id or sequence) does a new
 * producer take over; a batch in doubt may then be written twice. Nothing is marked sent that
 * Kafka did not acknowledge, so an event is never lost, and consumers deduplicate on ce_id.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private lockHolder?: QueryRunner;
  private producer?: Producer;
  private admin?: Admin;
  private readonly partitionCounts = new Map<string, number>();
  /** Partitions whose last send failed: sent again exactly as before, ahead of newer rows. */
  private inDoubt: PartitionBatch[] = [];
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
    await this.admin?.disconnect().catch(() => undefined);
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
        // Read again before the next send, in case partitions were added.
        this.partitionCounts.clear();
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
    let sent = await this.resendInDoubt(q);
    let rows = await this.readUnsent(q, limit, []);
    if (rows.length === 0) {
      await this.updateBacklog(true);
      return sent;
    }
    let acked: OutboxRow[] = [];
    // Bounded, so the loop gets to pruning and to stopping under a steady stream of events.
    for (let round = 0; rows.length > 0 && round < 50 && this.running; round++) {
      const inFlight = rows;
      const [send, next] = await Promise.allSettled([
        this.partitioned(inFlight).then((batches) => this.send(batches)),
        this.markSent(q, acked).then(() => (inFlight.length < limit ? [] : this.readUnsent(q, limit, inFlight))),
      ]);
      if (send.status === 'rejected') throw send.reason;
      acked = send.value.acked;
      this.inDoubt = send.value.failed;
      // The database failed: the acknowledged rows stay unmarked and are sent again (consumers deduplicate).
      if (next.status === 'rejected') throw next.reason;
      // Kafka failed for some partitions: the others' rows are marked, these are sent again next round.
      if (this.inDoubt.length > 0) {
        await this.markSent(q, acked);
        throw send.value.error;
      }
      sent += inFlight.length;
      rows = next.value;
    }
    await this.markSent(q, acked);
    await this.updateBacklog(false);
    return sent;
  }

  /** Sends again exactly the partitions' rows whose send failed last; throws while any still fails. */
  private async resendInDoubt(q: QueryRunner): Promise<number> {
    if (this.inDoubt.length === 0) return 0;
    const { acked, failed, error } = await this.send(this.inDoubt);
    this.inDoubt = failed;
    await this.markSent(q, acked);
    if (failed.length > 0) throw error;
    return acked.length;
  }

  private readUnsent(q: QueryRunner, limit: number, inFlight: OutboxRow[]): Promise<OutboxRow[]> {
    return q.query(
      `SELECT seq, topic, message_key, headers, payload, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM messaging_outbox
       WHERE sent_at IS NULL AND seq <> ALL($2::bigint[]) ORDER BY seq LIMIT $1`,
      [limit, inFlight.map((r) => r.seq)],
    );
  }

  /** The rows grouped by the partition their key goes to; partition counts are read from Kafka once per topic. */
  private async partitioned(rows: OutboxRow[]): Promise<PartitionBatch[]> {
    const topicOf = (row: OutboxRow) => topicName(row.topic as never, this.options.topicPrefix);
    const unknown = [...new Set(rows.map((row) => row.topic))]
      .map((topic) => topicName(topic as never, this.options.topicPrefix))
      .filter((topic) => !this.partitionCounts.has(topic));
    if (unknown.length > 0) {
      const admin = await this.connectedAdmin();
      for (const topic of (await admin.fetchTopicMetadata({ topics: unknown })).topics)
        this.partitionCounts.set(topic.name, topic.partitions.length);
    }
    return partitionBatches(rows, topicOf, this.partitionCounts);
  }

  /** Sends each partition's rows with a request of its own, all at once; never throws, it reports what failed. */
  private async send(batches: PartitionBatch[]): Promise<SendResult> {
    const result: SendResult = { acked: [], failed: [] };
    let producer: Producer;
    try {
      producer = await this.connectedProducer();
    } catch (error) {
      return { acked: [], failed: batches, error };
    }
    const outcomes = await Promise.allSettled(
      batches.map((b) =>
        producer.sendBatch({
          acks: -1,
          topicMessages: [
            {
              topic: b.topic,
              messages: b.rows.map((r) => ({ partition: b.partition, key: r.message_key, value: r.payload, headers: r.headers })),
            },
          ],
        }),
      ),
    );
    outcomes.forEach((outcome, i) => {
      const batch = batches[i];
      if (outcome.status === 'fulfilled') {
        result.acked.push(...batch.rows);
        this.options.metrics.published.inc({ topic: batch.topic }, batch.rows.length);
        const delay = this.options.metrics.outboxDelay.labels({ topic: batch.topic });
        const now = Date.now();
        // Clamped: the database's clock may run ahead of this process's.
        for (const row of batch.rows) delay.observe(Math.max(0, now - row.created_ms) / 1000);
      } else {
        result.failed.push(batch);
        result.error ??= outcome.reason;
      }
    });
    if (result.acked.length > 0) this.lastSentAt = new Date();
    return result;
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
    this.partitionCounts.clear(); // read again, in case partitions were added
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

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.options.kafka.admin({ retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 } });
    await admin.connect();
    this.admin = admin;
    return admin;
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
