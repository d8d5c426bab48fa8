import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { decodePayload, EnvelopeAttributes, findContract, topicName, Topics } from '@ki/contracts';
import { runWithTrace, traceFrom } from '@ki/platform';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { BackoffPolicy, backoffDelay } from '@ki/platform';
import { deadLetterMessage } from './dead-letter';
import { readEnvelope } from './envelope-codec';
import { classifyFailure, failureCode } from './errors';
import { BatchedEvent, KafkaBatchContext, KafkaEventContext } from './event-context';
import { MessagingMetrics } from './metrics';
import type { HistogramSeries } from './message-histogram';

/** Settings of one consumer group of a service. */
export interface KafkaEventsServerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  metrics: MessagingMetrics;
  /** Consumer group id; handlers join it with `@EventPattern(type, { group })`, or by default. */
  groupId: string;
  /** Whether handlers without an explicit group belong to this server. */
  isDefaultGroup?: boolean;
  topicPrefix?: string;
  /** Goes before `groupId` on the broker only (tests); inbox rows, dead letters and metrics name `groupId`. */
  groupIdPrefix?: string;
  /** Handler attempts before a failing message is dead-lettered. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** Messages handled in one transaction when nothing fails (default 2000; 1 = one transaction per message). */
  chunkSize?: number;
  partitionsConsumedConcurrently?: number;
}

/** What /health shows of one consumer group. */
export interface ConsumerHealth {
  groupId: string;
  running: boolean;
  /** Why the consumer is not making progress, if it is not. */
  problem?: string;
  lastProgressAt?: string;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead-lettered';

/** A consumed message, decoded; `failure` is set when it violates its contract. */
interface Delivery {
  topic: string;
  partition: number;
  message: KafkaMessage;
  envelope?: EnvelopeAttributes;
  payload?: object;
  handler?: MessageHandler;
  failure?: unknown;
}

/** The trace a handler of this event runs in: the event's own, with the event as the cause of what it publishes. */
const traceOf = (envelope: EnvelopeAttributes) =>
  traceFrom({ traceparent: envelope.traceparent, correlationId: envelope.correlationId, causationId: envelope.id });

/** Observes, for each message, the seconds since its Kafka timestamp (clamped at 0: the producer's clock may run ahead). */
function observeAges(histogram: HistogramSeries, messages: KafkaMessage[]): void {
  const now = Date.now();
  for (const { timestamp } of messages) {
    const sent = Number(timestamp);
    if (sent > 0) histogram.observe(Math.max(0, now - sent) / 1000);
  }
}

/** A chunk of several messages that all decoded is handled in one transaction; others one by one. */
const inOneTransaction = (chunk: Delivery[]) => chunk.length > 1 && chunk.every((d) => !d.failure);

/** The deliveries this group has a handler for: the ones recorded in its inbox. */
const toHandle = (deliveries: Delivery[]) => deliveries.filter((d) => d.handler && d.envelope);

/** The transaction of a chunk whose events are all new and recorded in the inbox: ready for its handlers. */
type OpenChunk = QueryRunner;

/** A handler error inside a chunk transaction, remembered to skip straight to one-by-one handling. */
class ChunkFailed extends Error {}

/** Some, not all, events of a chunk were recorded in the inbox before. */
class InboxOverlap extends Error {}

const INBOX_TABLE = `messaging_inbox (consumer_group, topic, partition, event_id, event_type, "offset", correlation_id)`;
/** The rows as one JSON array: serialised natively, where text arrays would be escaped element by element. */
const INBOX_ROWS = `json_to_recordset($4::json) AS x(event_id text, event_type text, "offset" bigint, correlation_id text)`;
/** Fails on an event recorded before (or twice in the chunk): the primary key refuses it. */
const INBOX_INSERT_NEW = `
  INSERT INTO ${INBOX_TABLE}
  SELECT $1, $2, $3, event_id, event_type, "offset", correlation_id FROM ${INBOX_ROWS}`;
/** Skips the events recorded before; the count of inserted rows tells whether there were any. */
const INBOX_INSERT = `${INBOX_INSERT_NEW} ON CONFLICT DO NOTHING`;
/** The same insert, answering the ids that were recorded before. */
const INBOX_INSERT_NAMING_RECORDED = `
  WITH input AS (SELECT * FROM ${INBOX_ROWS}),
  inserted AS (
    INSERT INTO ${INBOX_TABLE}
    SELECT $1, $2, $3, event_id, event_type, "offset", correlation_id FROM input
    ON CONFLICT DO NOTHING RETURNING event_id
  )
  SELECT event_id FROM input WHERE event_id NOT IN (SELECT event_id FROM inserted)`;

/**
 * A Nest custom transport on kafkajs. Handlers are ordinary `@EventPattern('<ce_type>')` methods;
 * for each message this server
 *  - decodes the CloudEvents envelope and validates the payload against its contract,
 *  - runs the handler inside a PostgreSQL transaction that also records the event in the inbox,
 *    so a redelivered event has no second effect,
 *  - retries failures with exponential backoff and jitter; contract violations and exhausted
 *    retries go to the dead-letter topic and the partition keeps flowing,
 *  - retries without limit while the database is unreachable, and reports itself unhealthy,
 *  - commits offsets only after the transaction committed.
 * Messages are handled in chunks of one transaction each; when a handler fails, the chunk is
 * rolled back and its messages are handled one by one with the rules above. While a chunk's
 * handlers run and it commits, the next chunk's transaction already records its events in the
 * inbox; its handlers start only after the chunk before it committed. A handler declared with
 * `@EventPattern(type, { batch: true })` gets the consecutive new events of its type in a chunk in
 * one call ({@link BatchedEvent}s and a {@link KafkaBatchContext}), so it can write them in a few
 * statements instead of a few per event; when that call fails, the chunk goes one by one as above.
 */
export class KafkaEventsServer extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private producer?: Producer;
  private stuckSince?: number;
  private stuckReason?: string;
  private lastProgressAt?: Date;
  private crashed?: string;
  private closing = false;
  private lastReplacement?: { at: number; attempt: number };
  /** Handlers of this group by event type, resolved once at start. */
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: KafkaEventsServerOptions) {
    super();
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** The event types this group handles. */
  handledTypes(): string[] {
    return [...this.messageHandlers.entries()].filter(([, h]) => this.owns(h)).map(([type]) => type);
  }

  private owns(handler: MessageHandler): boolean {
    const group = handler.extras?.group as string | undefined;
    return group ? group === this.options.groupId : (this.options.isDefaultGroup ?? true);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private async start(): Promise<void> {
    const types = this.handledTypes();
    const unknown = types.filter((type) => !findContract(type));
    if (unknown.length > 0)
      throw new Error(`@EventPattern for unknown event types: ${unknown.join(', ')} (declare them in libs/contracts)`);
    if (types.length === 0) return;
    for (const type of types) {
      const handler = this.getHandlerByPattern(type);
      if (handler) this.handlers.set(type, handler);
    }
    const topics = [...new Set(types.map((type) => topicName(findContract(type)?.topic ?? Topics.deadLetters, this.options.topicPrefix)))];

    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Unlimited retries keep the idempotent producer's guarantees; a dead letter waits out a broker outage.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
    });
    await producer.connect();
    this.producer = producer;
    await this.startConsumer(topics);
    this.lastProgressAt = new Date();
    this.logger.log(`consumer group ${this.options.groupId} listening to ${topics.join(', ')} for ${types.join(', ')}`);
  }

  /**
   * Starts consuming; a broker that does not know the topics yet (its metadata lags right after
   * they were created) or answers with another retriable error is asked again with backoff, while
   * /health says why, instead of the service giving up. Other errors (access refused) end the start.
   */
  private async startConsumer(topics: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runConsumer(topics);
        return;
      } catch (err) {
        if ((err as { retriable?: unknown }).retriable !== true || this.closing) throw err;
        const delay = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 });
        this.crashed = `cannot start consuming yet: ${(err as Error).message}`;
        this.logger.warn(`consumer group ${this.options.groupId} ${this.crashed}; retrying in ${delay} ms`);
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.closing) return;
      }
    }
  }

  private async runConsumer(topics: string[]): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: `${this.options.groupIdPrefix ?? ''}${this.options.groupId}`,
      allowAutoTopicCreation: false,
      // Bigger fetches mean fewer, larger inbox transactions.
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      // A crashed member gives its partitions back after 10 s (Kafka allows 6 s at least).
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
      // kafkajs restarts a crashed consumer itself only after retriable errors; see replaceConsumer.
      retry: { retries: 10, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.crashed = `${payload.error?.message ?? 'consumer crashed'}${payload.restart ? ' (restarting)' : ''}`;
      // A crash kafkajs restarts from (e.g. the group coordinator still loading after a broker start) is expected.
      this.logger[payload.restart ? 'warn' : 'error'](`consumer group ${this.options.groupId} crashed: ${this.crashed}`);
      // A consumer must not silently stop: after an error kafkajs gives up on (e.g. the coordinator
      // forgot this member during a broker failover), a new consumer joins the group.
      if (!payload.restart && !this.closing) this.replaceConsumer(topics, this.nextReplacementAttempt());
    });
    // A member that (re)joined owns only what it was just assigned: a failure on a partition it lost
    // (a heartbeat refused during a rebalance) is no longer its problem, even if its new partitions stay idle.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.crashed = undefined;
      this.clearStuck();
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(consumer, payload),
    });
  }

  /** A consumer that crashes again within a minute of replacing the last one waits longer (e.g. access still refused). */
  private nextReplacementAttempt(): number {
    const recent = this.lastReplacement && Date.now() - this.lastReplacement.at < 60_000;
    return recent ? (this.lastReplacement?.attempt ?? 0) + 1 : 1;
  }

  /** Starts a fresh consumer after a crash kafkajs does not recover from, with backoff while that fails. */
  private replaceConsumer(topics: string[], attempt: number): void {
    this.lastReplacement = { at: Date.now(), attempt };
    const delay = backoffDelay(attempt, { initialMs: 1000, maxMs: 30_000 });
    this.logger.warn(`consumer group ${this.options.groupId}: starting a new consumer in ${delay} ms`);
    setTimeout(() => {
      if (this.closing) return;
      const previous = this.consumer;
      void (previous ? previous.disconnect().catch(() => undefined) : Promise.resolve())
        .then(() => this.runConsumer(topics))
        .catch((err: Error) => {
          this.crashed = `a new consumer could not start: ${err.message}`;
          this.replaceConsumer(topics, attempt + 1);
        });
    }, delay);
  }

  private async consumeBatch(consumer: Consumer, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    // A stale batch belongs to a partition this member lost in a rebalance: stop, the new owner takes over.
    const active = () => isRunning() && !isStale();
    const chunkSize = this.options.chunkSize ?? 2000;
    let handled: string | undefined;
    const commit = async () => {
      if (handled === undefined) return;
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(handled) + 1n).toString() }]);
      this.options.metrics.consumerLag.set(
        { group: this.options.groupId, topic, partition: String(partition) },
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(handled) - 1n)),
      );
    };
    const wait = this.options.metrics.consumerWait.labels({ group: this.options.groupId, topic });
    const done = this.options.metrics.consumerDone.labels({ group: this.options.groupId, topic });
    observeAges(wait, batch.messages);
    const decodeChunk = (start: number) =>
      batch.messages.slice(start, start + chunkSize).map((message) => this.decode(topic, partition, message));
    let opening: Promise<OpenChunk | undefined> | undefined;
    try {
      let chunk = decodeChunk(0);
      for (let start = 0; start < batch.messages.length; start += chunkSize) {
        const opened = opening ?? this.openChunk(chunk);
        opening = undefined;
        // Decode the next chunk while the database records this one.
        const next = start + chunkSize < batch.messages.length ? decodeChunk(start + chunkSize) : [];
        const open = await opened;
        if (!active()) {
          await this.discard(open);
          return;
        }
        if (open) {
          // The next chunk's transaction opens and records its inbox rows while this one's handlers run and it commits.
          if (next.length > 0) opening = this.openChunk(next);
          if (!(await this.finishChunk(open, chunk, heartbeat))) {
            // The next transaction may hold inbox rows of this chunk's events: roll it back before they are handled one by one.
            await this.discard(await opening);
            opening = undefined;
            await this.deliverEach(chunk, heartbeat, active);
          }
        } else await this.deliverChunk(chunk, heartbeat, active);
        observeAges(
          done,
          chunk.map((d) => d.message),
        );
        handled = chunk[chunk.length - 1].message.offset;
        resolveOffset(handled);
        this.lastProgressAt = new Date();
        await heartbeat();
        chunk = next;
      }
    } finally {
      if (opening) await this.discard(await opening);
      // Offsets are committed only for chunks whose transactions committed.
      await commit();
    }
  }

  private decode(topic: string, partition: number, message: KafkaMessage): Delivery {
    // Every field from the start: one object shape for all deliveries.
    const delivery: Delivery = {
      topic,
      partition,
      message,
      envelope: undefined,
      payload: undefined,
      handler: undefined,
      failure: undefined,
    };
    try {
      delivery.envelope = readEnvelope(message.headers);
      delivery.payload = decodePayload(delivery.envelope.type, message.value).payload;
      // A known event type that this group does not handle shares its topic with types it does.
      delivery.handler = this.handlers.get(delivery.envelope.type);
    } catch (err) {
      delivery.failure = err;
    }
    return delivery;
  }

  /**
   * Opens the transaction of a chunk without failures and records its events in the inbox, so that
   * its handlers can run as soon as the chunk before it committed. The insert has no conflict
   * clause, a third less database work per event, so it succeeds only when every event is new.
   * Undefined when that did not work out (a failure in the chunk, an event recorded before, the
   * database): the chunk then takes {@link deliverChunk}, which handles each of these cases.
   */
  private async openChunk(chunk: Delivery[]): Promise<OpenChunk | undefined> {
    if (!inOneTransaction(chunk)) return undefined;
    const runner = this.options.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      const relevant = toHandle(chunk);
      if (relevant.length > 0) await runner.query(INBOX_INSERT_NEW, this.inboxRows(relevant));
      return runner;
    } catch {
      await this.discard(runner);
      return undefined;
    }
  }

  /** Runs the handlers of an opened chunk and commits; false when it rolled back. */
  private async finishChunk(runner: OpenChunk, chunk: Delivery[], heartbeat: () => Promise<void>): Promise<boolean> {
    try {
      const outcomes = await this.runAll(runner.manager, chunk, new Set(), heartbeat);
      await runner.commitTransaction();
      this.countAll(chunk, outcomes);
      this.clearStuck();
      return true;
    } catch (err) {
      if (!(err instanceof ChunkFailed) && classifyFailure(err) === 'infrastructure') this.markStuck('infrastructure', err);
      return false;
    } finally {
      await this.discard(runner);
    }
  }

  /** Rolls back an opened chunk's transaction if it is still open, and returns its connection. */
  private async discard(runner: OpenChunk | undefined): Promise<void> {
    if (!runner) return;
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await runner.release();
  }

  /** Handles a chunk in one transaction; on any failure, rolls back and handles its messages one by one. */
  private async deliverChunk(chunk: Delivery[], heartbeat: () => Promise<void>, active: () => boolean): Promise<void> {
    if (inOneTransaction(chunk)) {
      try {
        const handleChunk = (nameRecorded: boolean) =>
          this.options.dataSource.transaction((manager) => this.handleAll(manager, chunk, heartbeat, nameRecorded));
        const outcomes = await handleChunk(false).catch((err: unknown) => {
          if (err instanceof InboxOverlap) return handleChunk(true);
          throw err;
        });
        this.countAll(chunk, outcomes);
        this.clearStuck();
        return;
      } catch (err) {
        if (!(err instanceof ChunkFailed) && classifyFailure(err) === 'infrastructure') this.markStuck('infrastructure', err);
        // Fall through: one by one, with retries and dead letters per message.
      }
    }
    await this.deliverEach(chunk, heartbeat, active);
  }

  /** Delivers the messages of a chunk one by one, each in its own transaction. */
  private async deliverEach(chunk: Delivery[], heartbeat: () => Promise<void>, active: () => boolean): Promise<void> {
    for (const delivery of chunk) {
      if (!active()) throw new Error('consumer stopping or partition reassigned; uncommitted messages are redelivered');
      this.count(delivery, await this.deliver(delivery, heartbeat, active));
    }
  }

  /** Delivers one message until it is processed, found a duplicate, ignored or dead-lettered. */
  private async deliver(delivery: Delivery, heartbeat: () => Promise<void>, active: () => boolean): Promise<Outcome> {
    if (delivery.failure) return this.deadLetter(delivery, delivery.failure, 1);
    for (let attempt = 1; ; attempt++) {
      try {
        const [outcome] = await this.options.dataSource.transaction((manager) => this.handleAll(manager, [delivery], heartbeat));
        this.clearStuck();
        return outcome;
      } catch (err) {
        const cause = err instanceof ChunkFailed ? err.cause : err;
        const kind = classifyFailure(cause);
        if (kind === 'non-retryable' || (kind === 'retryable' && attempt >= this.maxAttempts))
          return this.deadLetter(delivery, cause, attempt);
        this.markStuck(kind, cause);
        this.options.metrics.retried.inc({ group: this.options.groupId, kind });
        const delay = backoffDelay(attempt, this.backoff);
        const { topic, partition, message } = delivery;
        this.logger.warn(
          `${this.options.groupId}: attempt ${attempt} for ${topic}[${partition}]@${message.offset} failed (${kind}); retrying in ${delay} ms: ${(cause as Error).message}`,
        );
        await this.sleep(delay, heartbeat);
        if (!active())
          throw new Error('consumer stopping or partition reassigned; the message stays uncommitted and is redelivered', { cause: err });
      }
    }
  }

  /** Records the deliveries in the inbox and runs the handlers of the new ones, in order, in one transaction. */
  private async handleAll(
    manager: EntityManager,
    deliveries: Delivery[],
    heartbeat: () => Promise<void>,
    nameRecorded = false,
  ): Promise<Outcome[]> {
    const duplicates = await this.recordInInbox(manager, deliveries, nameRecorded);
    return this.runAll(manager, deliveries, duplicates, heartbeat);
  }

  /**
   * Runs the handlers of the deliveries not recorded before, in order. Consecutive events for one
   * batch handler (`@EventPattern(type, { batch: true })`) go to it in one call; any other handled
   * event between them ends the batch first, so effects keep the partition's order.
   */
  private async runAll(manager: EntityManager, deliveries: Delivery[], duplicates: Set<string>, heartbeat: () => Promise<void>) {
    // The same event twice in one chunk: the first one counts.
    const seen = new Set<string>();
    let handled = 0;
    let batch: Delivery[] = [];
    const outcomes: Outcome[] = [];
    const afterHandling = async (n: number) => {
      // Long chunks must not cost this member its partitions.
      if (Math.floor((handled + n) / 500) > Math.floor(handled / 500)) await this.heartbeat(heartbeat);
      handled += n;
    };
    const runBatch = async () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      await this.runBatchHandler(manager, events);
      await afterHandling(events.length);
    };
    for (const delivery of deliveries) {
      const { envelope, handler } = delivery;
      if (!handler || !envelope) outcomes.push('ignored');
      else if (duplicates.has(envelope.id) || seen.has(envelope.id)) outcomes.push('duplicate');
      else {
        seen.add(envelope.id);
        if (handler.extras?.batch) {
          if (batch.length > 0 && batch[0].handler !== handler) await runBatch();
          batch.push(delivery);
        } else {
          await runBatch();
          await this.runHandler(manager, delivery, handler, envelope);
          await afterHandling(1);
        }
        outcomes.push('processed');
      }
    }
    await runBatch();
    return outcomes;
  }

  /**
   * Records deliveries of one partition in the inbox in one statement that skips the events
   * recorded before, by an earlier delivery, and answers their ids. Single messages and the chunks
   * whose plain insert ({@link openChunk}) was refused come here. The count of inserted rows shows
   * whether all were new or all recorded before; a mix (a redelivery overlapping a committed chunk)
   * throws {@link InboxOverlap}, and the transaction runs again with the query that names them.
   */
  private async recordInInbox(manager: EntityManager, deliveries: Delivery[], nameRecorded: boolean): Promise<Set<string>> {
    const relevant = toHandle(deliveries);
    if (relevant.length === 0) return new Set();
    const params = this.inboxRows(relevant);
    if (nameRecorded) {
      const rows: { event_id: string }[] = await manager.query(INBOX_INSERT_NAMING_RECORDED, params);
      return new Set(rows.map((r) => r.event_id));
    }
    const { affected } = await (manager.queryRunner as QueryRunner).query(INBOX_INSERT, params, true);
    const ids = relevant.map((d) => d.envelope?.id ?? '');
    if (affected === ids.length) return new Set();
    const distinct = new Set(ids);
    if (affected === distinct.size) return new Set(); // the same event twice in this chunk, new
    if (affected === 0) return distinct;
    throw new InboxOverlap();
  }

  /** Parameters of the inbox inserts for deliveries of one partition: the group, topic and partition, and the rows as one JSON array. */
  private inboxRows(relevant: Delivery[]): unknown[] {
    return [
      this.options.groupId,
      relevant[0].topic,
      relevant[0].partition,
      JSON.stringify(
        relevant.map((d) => ({
          event_id: d.envelope?.id,
          event_type: d.envelope?.type,
          offset: d.message.offset,
          correlation_id: d.envelope?.correlationId,
        })),
      ),
    ];
  }

  private async runHandler(
    manager: EntityManager,
    delivery: Delivery,
    handler: MessageHandler,
    envelope: EnvelopeAttributes,
  ): Promise<void> {
    const { topic, partition, message } = delivery;
    const context = new KafkaEventContext([envelope, manager, { topic, partition, message, groupId: this.options.groupId }]);
    const trace = traceOf(envelope);
    const started = performance.now();
    try {
      const result = await runWithTrace(trace, handler, delivery.payload, context);
      if (isObservable(result)) await runWithTrace(trace, () => lastValueFrom(result, { defaultValue: undefined }));
    } catch (err) {
      throw new ChunkFailed(`handler of ${envelope.type} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      this.handlerDuration(envelope.type).observe((performance.now() - started) / 1000);
    }
  }

  /** Hands consecutive events to their batch handler in one call; each event's duration is its share of the call. */
  private async runBatchHandler(manager: EntityManager, deliveries: Delivery[]): Promise<void> {
    const { topic, partition, handler } = deliveries[0];
    const type = deliveries[0].envelope?.type ?? '';
    const context = new KafkaBatchContext([manager, { topic, partition, groupId: this.options.groupId }]);
    const events = deliveries.map((delivery): BatchedEvent<object | undefined> => {
      const envelope = delivery.envelope as EnvelopeAttributes;
      return {
        payload: delivery.payload,
        envelope,
        inTrace: (work) => runWithTrace(traceOf(envelope), work),
      };
    });
    const started = performance.now();
    try {
      const result = await (handler as MessageHandler)(events, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (err) {
      throw new ChunkFailed(`handler of ${type} failed for a batch of ${events.length}: ${(err as Error).message}`, { cause: err });
    } finally {
      const share = (performance.now() - started) / 1000 / events.length;
      const duration = this.handlerDuration(type);
      for (let i = 0; i < events.length; i++) duration.observe(share);
    }
  }

  /** The duration histogram of one event type. */
  private handlerDuration(type: string) {
    return this.options.metrics.handlerDuration.labels({ group: this.options.groupId, type });
  }

  private async deadLetter(delivery: Delivery, err: unknown, attempts: number): Promise<Outcome> {
    const { topic, partition, message } = delivery;
    const code = failureCode(err);
    const dlq = deadLetterMessage(message, {
      topic,
      partition,
      offset: message.offset,
      errorCode: code,
      errorMessage: err instanceof Error ? err.message : String(err),
      attempts,
      consumerGroup: this.options.groupId,
    });
    if (!this.producer) throw new Error('dead-letter producer is not connected', { cause: err });
    await this.producer.send({ topic: topicName(Topics.deadLetters, this.options.topicPrefix), acks: -1, messages: [dlq] });
    this.options.metrics.deadLettered.inc({ group: this.options.groupId, code });
    this.logger.error(
      `${this.options.groupId}: dead-lettered ${topic}[${partition}]@${message.offset} after ${attempts} attempt(s): ${code}: ${dlq.headers.dlq_error}`,
    );
    this.clearStuck();
    return 'dead-lettered';
  }

  private count(delivery: Delivery, outcome: Outcome): void {
    this.options.metrics.consumed.inc({ group: this.options.groupId, type: delivery.envelope?.type ?? 'unknown', outcome });
  }

  /** Counts a chunk's outcomes with one increment per event type and outcome. */
  private countAll(deliveries: Delivery[], outcomes: Outcome[]): void {
    const tally = new Map<string, { type: string; outcome: Outcome; n: number }>();
    deliveries.forEach((delivery, i) => {
      const type = delivery.envelope?.type ?? 'unknown';
      const key = `${type} ${outcomes[i]}`;
      const entry = tally.get(key);
      if (entry) entry.n++;
      else tally.set(key, { type, outcome: outcomes[i], n: 1 });
    });
    for (const { type, outcome, n } of tally.values()) this.options.metrics.consumed.inc({ group: this.options.groupId, type, outcome }, n);
  }

  private markStuck(kind: string, err: unknown): void {
    this.stuckSince ??= Date.now();
    this.stuckReason = `${kind === 'infrastructure' ? 'dependency unavailable' : 'handler failing'}: ${(err as Error).message}`;
  }

  private clearStuck(): void {
    this.stuckSince = undefined;
    this.stuckReason = undefined;
  }

  private async sleep(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      await this.heartbeat(heartbeat);
    }
  }

  /**
   * A heartbeat in the middle of work: its failure (a rebalance under way, the coordinator gone)
   * must not fail the transaction being handled, since the batch's staleness check stops the
   * work, but it is logged, so a member that loses its partitions shows why.
   */
  private async heartbeat(heartbeat: () => Promise<void>): Promise<void> {
    try {
      await heartbeat();
    } catch (err) {
      this.logger.warn(`${this.options.groupId}: heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Progress of this consumer group for /health: a message failing for more than 3 s is a problem. */
  health(): ConsumerHealth {
    let problem: string | undefined;
    if (this.crashed) problem = this.crashed;
    else if (this.stuckSince !== undefined && Date.now() - this.stuckSince > 3000) problem = this.stuckReason;
    return {
      groupId: this.options.groupId,
      running: this.consumer !== undefined,
      problem,
      lastProgressAt: this.lastProgressAt?.toISOString(),
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    // kafkajs lets running batches finish before it leaves the group.
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = undefined;
    this.producer = undefined;
  }

  on(): never {
    throw new Error('KafkaEventsServer does not support event listeners; see health()');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
