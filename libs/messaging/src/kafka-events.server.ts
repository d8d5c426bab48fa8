import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { EnvelopeAttributes, findContract, topicName, Topics, decodePayload } from '@ki/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { DataSource } from 'typeorm';
import { BackoffPolicy, backoffDelay } from './backoff';
import { deadLetterMessage } from './dead-letter';
import { readEnvelope } from './envelope-codec';
import { classifyFailure, failureCode } from './errors';
import { KafkaEventContext } from './event-context';

/** Settings of one consumer group of a service. */
export interface KafkaEventsServerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /** Consumer group id; handlers join it with `@EventPattern(type, { group })`, or by default. */
  groupId: string;
  /** Whether handlers without an explicit group belong to this server. */
  isDefaultGroup?: boolean;
  topicPrefix?: string;
  /** Retries of a failing handler before the message is dead-lettered. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** A consumer whose oldest pending message is older than this is reported stalled. */
  stallAfterMs?: number;
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

/**
 * A Nest custom transport on kafkajs. Handlers are ordinary `@EventPattern('<ce_type>')` methods;
 * per message this server
 *  - decodes the CloudEvents envelope and validates the payload against its contract,
 *  - runs the handler inside a PostgreSQL transaction that also records the event in the inbox,
 *    so a redelivered event has no second effect,
 *  - retries failures with exponential backoff and jitter; contract violations and exhausted
 *    retries go to the dead-letter topic and the partition keeps flowing,
 *  - retries without limit while the database is unreachable, and reports itself unhealthy,
 *  - commits offsets only after the transaction committed.
 */
export class KafkaEventsServer extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private producer?: Producer;
  private stuckSince?: number;
  private stuckReason?: string;
  private lastProgressAt?: Date;
  private crashed?: string;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly stallAfterMs: number;

  constructor(private readonly options: KafkaEventsServerOptions) {
    super();
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
    this.stallAfterMs = options.stallAfterMs ?? 30_000;
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
    const contracts = types.map((type) => ({ type, contract: findContract(type) }));
    const unknown = contracts.filter((c) => !c.contract).map((c) => c.type);
    if (unknown.length > 0) throw new Error(`@EventPattern for unknown event types: ${unknown.join(', ')} (declare them in libs/contracts)`);
    if (types.length === 0) return;
    const topics = [...new Set(contracts.map((c) => topicName(c.contract?.topic ?? Topics.centres, this.options.topicPrefix)))];

    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Unlimited retries keep the idempotent producer's guarantees; a send waits out a broker outage.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
    });
    await producer.connect();
    this.producer = producer;
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      // Rejoin after any crash, also non-retriable ones: a consumer must not silently stop.
      retry: { retries: 10, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.crashed = `${payload.error?.message ?? 'consumer crashed'}${payload.restart ? ' (restarting)' : ''}`;
      this.logger.error(`consumer group ${this.options.groupId} crashed: ${this.crashed}`);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.crashed = undefined;
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    this.consumer = consumer;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(consumer, payload),
    });
    this.lastProgressAt = new Date();
    this.logger.log(`consumer group ${this.options.groupId} listening to ${topics.join(', ')} for ${types.join(', ')}`);
  }

  private async consumeBatch(consumer: Consumer, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let uncommitted: string | undefined;
    const commit = async () => {
      if (uncommitted === undefined) return;
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(uncommitted) + 1n).toString() }]);
      uncommitted = undefined;
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      await this.deliver(topic, partition, message, heartbeat, isRunning);
      resolveOffset(message.offset);
      uncommitted = message.offset;
      this.lastProgressAt = new Date();
      await heartbeat();
    }
    await commit();
  }

  /** Delivers one message until it is processed, found a duplicate, ignored or dead-lettered. */
  private async deliver(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.handleOnce(topic, partition, message);
        this.stuckSince = undefined;
        this.stuckReason = undefined;
        return outcome;
      } catch (err) {
        const kind = classifyFailure(err);
        if (kind === 'non-retryable' || (kind === 'retryable' && attempt >= this.maxAttempts)) {
          await this.deadLetter(topic, partition, message, err, attempt);
          return 'dead-lettered';
        }
        this.stuckSince ??= Date.now();
        this.stuckReason = `${kind === 'infrastructure' ? 'dependency unavailable' : 'handler failing'}: ${(err as Error).message}`;
        const delay = backoffDelay(attempt, this.backoff);
        this.logger.warn(
          `${this.options.groupId}: attempt ${attempt} for ${topic}[${partition}]@${message.offset} failed (${kind}); retrying in ${delay} ms: ${(err as Error).message}`,
        );
        await this.sleep(delay, heartbeat);
        if (!isRunning()) throw new Error('consumer stopping; the message stays uncommitted and is redelivered', { cause: err });
      }
    }
  }

  private async handleOnce(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const envelope = readEnvelope(message.headers);
    const { payload } = decodePayload(envelope.type, message.value);
    const handler = this.getHandlerByPattern(envelope.type);
    // A known event type that this group does not handle shares its topic with types it does.
    if (!handler || !this.owns(handler)) return 'ignored';

    return this.options.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO messaging_inbox (consumer_group, event_id, event_type, topic, partition, "offset", correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.groupId, envelope.id, envelope.type, topic, partition, message.offset, envelope.correlationId],
      );
      if (inserted.length === 0) return 'duplicate';
      const context = new KafkaEventContext([envelope, manager, { topic, partition, message, groupId: this.options.groupId }]);
      const result = await handler(payload, context);
      await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      return 'processed';
    });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, err: unknown, attempts: number): Promise<void> {
    const dlq = deadLetterMessage(message, {
      topic,
      partition,
      offset: message.offset,
      errorCode: failureCode(err),
      errorMessage: (err as Error).message ?? String(err),
      attempts,
      consumerGroup: this.options.groupId,
    });
    if (!this.producer) throw new Error('dead-letter producer is not connected', { cause: err });
    await this.producer.send({ topic: topicName(Topics.deadLetters, this.options.topicPrefix), acks: -1, messages: [dlq] });
    this.logger.error(`${this.options.groupId}: dead-lettered ${topic}[${partition}]@${message.offset} after ${attempts} attempt(s): ${dlq.headers['dlq_error']}`);
  }

  private async sleep(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }

  /** Progress of this consumer group for /health. */
  health(): ConsumerHealth {
    const running = this.consumer !== undefined;
    let problem: string | undefined;
    if (this.crashed) problem = this.crashed;
    else if (this.stuckSince !== undefined && Date.now() - this.stuckSince > Math.min(this.stallAfterMs, 5000)) problem = this.stuckReason;
    return { groupId: this.options.groupId, running, problem, lastProgressAt: this.lastProgressAt?.toISOString() };
  }

  async close(): Promise<void> {
    // kafkajs waits for running batches to finish before it leaves the group.
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

export type { EnvelopeAttributes };
