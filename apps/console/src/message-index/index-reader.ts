import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CustomTransportStrategy } from '@nestjs/microservices';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Topics, topicName } from '@ki/contracts';
import { ensureDeclaredTopics, headersAsStrings } from '@ki/messaging';
import { backoffDelay, HealthChecks, KAFKA_CLIENT, MessagingRuntime, SERVICE_CONFIG, ServiceConfig } from '@ki/platform';
import { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { capped, observe } from './indexed-message';
import { LiveFeed } from './live-feed';
import { MessageIndex, positionKey, Positions } from './message-index';

/**
 * Consumer group of one reader: a group of its own per instance and start, so no other instance
 * shares (and splits) its partitions. It never commits: where to go on comes from the index.
 */
export function indexReaderGroupId(groupIdPrefix: string): string {
  return `${groupIdPrefix}console-index-${randomUUID()}`;
}

function messageSize(message: KafkaMessage): number {
  const headers = Object.entries(message.headers ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + [value].flat().reduce((s, v) => s + (v?.length ?? 0), 0),
    0,
  );
  return (message.key?.length ?? 0) + (message.value?.length ?? 0) + headers;
}

/**
 * Indexes every message of every system topic, over all partitions, into the console's database.
 * It resumes each partition after the last offset the index holds, so a restart reads only what
 * arrived since, and hands each message to the {@link LiveFeed}. Plays the messaging runtime of
 * the service: bootstrapService creates the topics, then starts it.
 */
@Injectable()
export class IndexReader implements MessagingRuntime, OnApplicationBootstrap, OnApplicationShutdown {
  readonly servers: CustomTransportStrategy[] = [];
  private consumer?: Consumer;
  private problem?: string = 'not started yet';
  /** Next offset to index per partition: from the index at start, then moved by every batch. */
  private next: Positions = new Map();
  /** End offsets when the reader started; it has caught up once it reached all of them. */
  private endsAtStart: Positions = new Map();
  private startedAt = 0;
  private caughtUpAfterMs?: number;
  /** Messages read from the topics since this instance started. */
  private readSinceStart = 0;
  private stopping = false;
  private readonly logger = new Logger('IndexReader');

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly index: MessageIndex,
    private readonly feed: LiveFeed,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Topics whose settings differ from their declaration, found at start-up. */
  private topicMismatches: string[] = [];

  async ensureTopics(): Promise<void> {
    this.topicMismatches = await ensureDeclaredTopics(this.kafka, this.config.kafka.topicPrefix, this.logger);
  }

  startRelay(): void {
    void this.startWithRetries();
  }

  /** Topics created a moment ago may not have a leader everywhere yet: start again, with backoff, until it works. */
  private async startWithRetries(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        this.problem = `reading the topics failed: ${(err as Error).message}`;
        const delay = backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 });
        this.logger.warn(`${this.problem}; starting again in ${delay} ms`);
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async start(): Promise<void> {
    this.startedAt = Date.now();
    const { topicPrefix, groupIdPrefix } = this.config.kafka;
    const topics = Object.values(Topics).map((base) => topicName(base, topicPrefix));
    this.next = await this.index.positions();
    this.endsAtStart = await this.endOffsets(topics);
    this.noteCaughtUp();
    const consumer = this.kafka.consumer({ groupId: indexReaderGroupId(groupIdPrefix), allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.problem = `consumer crashed: ${payload.error.message}`;
      this.logger[payload.restart ? 'warn' : 'error'](`reading the topics: ${this.problem}${payload.restart ? ' (restarting)' : ''}`);
    });
    // Runs after each join, before the first fetch of the assignment: every partition goes on where the index stopped.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.problem = undefined;
      for (const [topic, partitions] of Object.entries(payload.memberAssignment))
        for (const partition of partitions) {
          const next = this.next.get(positionKey(topic.slice(topicPrefix.length), partition));
          if (next !== undefined) consumer.seek({ topic, partition, offset: next.toString() });
        }
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 3, eachBatch: ({ batch }) => this.indexBatch(batch) });
  }

  private async endOffsets(topics: string[]): Promise<Positions> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends: Positions = new Map();
      for (const topic of topics)
        for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
          const position = positionKey(topic.slice(this.config.kafka.topicPrefix.length), partition);
          ends.set(position, BigInt(high));
          // A partition never indexed starts at its oldest message still on the broker.
          if (!this.next.has(position)) this.next.set(position, BigInt(low));
        }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  private async indexBatch(batch: Batch): Promise<void> {
    const topic = batch.topic.slice(this.config.kafka.topicPrefix.length);
    const position = positionKey(topic, batch.partition);
    // A rebalance may hand back a partition from its start; what the index holds is skipped.
    const from = this.next.get(position) ?? 0n;
    const fresh = batch.messages.filter((m) => BigInt(m.offset) >= from);
    if (fresh.length === 0) return;
    const messages = fresh.map((message) =>
      capped(
        observe({
          topic,
          partition: batch.partition,
          offset: message.offset,
          timestamp: new Date(Number(message.timestamp)).toISOString(),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headersAsStrings(message.headers),
          size: messageSize(message),
        }),
      ),
    );
    const live = this.feed.listening;
    const stored = await this.index.add(messages, live);
    this.readSinceStart += messages.length;
    this.next.set(position, BigInt(fresh[fresh.length - 1].offset) + 1n);
    this.noteCaughtUp();
    if (live) for (const message of stored) this.feed.publish(message);
  }

  private behind(): bigint {
    let behind = 0n;
    for (const [position, end] of this.endsAtStart) {
      const next = this.next.get(position) ?? 0n;
      if (end > next) behind += end - next;
    }
    return behind;
  }

  private noteCaughtUp(): void {
    if (this.caughtUpAfterMs !== undefined || this.behind() > 0n) return;
    this.caughtUpAfterMs = Date.now() - this.startedAt;
    this.logger.log(
      `index caught up with the topics ${this.caughtUpAfterMs} ms after the reader started (${this.readSinceStart} messages read)`,
    );
  }

  /**
   * How far the reader got since this instance started: messages read, whether it reached the
   * ends the partitions had when it started (and how long that took), and how many it still lacks of them.
   */
  progress(): { readSinceStart: number; caughtUp: boolean; caughtUpAfterMs?: number; behind: number } {
    return {
      readSinceStart: this.readSinceStart,
      caughtUp: this.caughtUpAfterMs !== undefined,
      ...(this.caughtUpAfterMs !== undefined ? { caughtUpAfterMs: this.caughtUpAfterMs } : {}),
      behind: Number(this.behind()),
    };
  }

  onApplicationBootstrap(): void {
    this.checks.add(async () => {
      const session = this.indicators.check('index');
      const details = {
        ...this.progress(),
        ...(this.topicMismatches.length > 0 ? { topicSettingsDiffer: this.topicMismatches } : {}),
      };
      return this.problem ? session.down({ ...details, message: this.problem }) : session.up(details);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
  }
}
