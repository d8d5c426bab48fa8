import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CustomTransportStrategy } from '@nestjs/microservices';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Topics, topicName } from '@ki/contracts';
import { ensureDeclaredTopics, headersAsStrings } from '@ki/messaging';
import { HealthChecks, KAFKA_CLIENT, MessagingRuntime, SERVICE_CONFIG, ServiceConfig } from '@ki/platform';
import { Consumer, Kafka } from 'kafkajs';
import { EventWindow } from './event-window';

/** Consumer group of the console; in an environment with a topic prefix the prefix comes first. */
export function consoleGroupId(topicPrefix: string): string {
  return `${topicPrefix}console`;
}

/**
 * Reads every system topic from the beginning into the {@link EventWindow}. It commits no
 * offsets: each start reads the topics again, so the window is the same after a restart.
 * Plays the messaging runtime of the service: bootstrapService creates the topics, then starts it.
 */
@Injectable()
export class WindowReader implements MessagingRuntime, OnApplicationBootstrap, OnApplicationShutdown {
  readonly servers: CustomTransportStrategy[] = [];
  private consumer?: Consumer;
  private problem?: string = 'not started yet';
  private readonly seen = new Map<string, bigint>();
  private readonly logger = new Logger('WindowReader');

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly window: EventWindow,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Topics whose settings differ from their declaration, found at start-up. */
  private topicMismatches: string[] = [];

  async ensureTopics(): Promise<void> {
    this.topicMismatches = await ensureDeclaredTopics(this.kafka, this.config.kafka.topicPrefix, this.logger);
  }

  startRelay(): void {
    this.start().catch((err: Error) => {
      this.problem = `reading the topics failed: ${err.message}`;
      this.logger.error(this.problem);
    });
  }

  private async start(): Promise<void> {
    const prefix = this.config.kafka.topicPrefix;
    const consumer = this.kafka.consumer({ groupId: consoleGroupId(prefix), allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      this.problem = `consumer crashed: ${event.payload.error.message}`;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.problem = undefined;
    });
    await consumer.connect();
    const topics = Object.values(Topics).map((base) => topicName(base, prefix));
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        // After a rebalance the group starts again from the beginning (nothing is committed): skip what the window has.
        const position = `${topic}/${partition}`;
        const offset = BigInt(message.offset);
        if ((this.seen.get(position) ?? -1n) >= offset) return;
        this.seen.set(position, offset);
        this.window.add({
          topic: topic.slice(prefix.length),
          partition,
          offset: message.offset,
          timestamp: new Date(Number(message.timestamp)).toISOString(),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headersAsStrings(message.headers),
        });
      },
    });
  }

  onApplicationBootstrap(): void {
    this.checks.add(async () => {
      const session = this.indicators.check('window');
      const details = {
        ...this.window.stats(),
        ...(this.topicMismatches.length > 0 ? { topicSettingsDiffer: this.topicMismatches } : {}),
      };
      return this.problem ? session.down({ ...details, message: this.problem }) : session.up(details);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
