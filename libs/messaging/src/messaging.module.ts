import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import {
  HealthChecks,
  KAFKA_CLIENT,
  MESSAGING_RUNTIME,
  MessagingRuntime,
  METRICS_REGISTRY,
  SERVICE_CONFIG,
  ServiceConfig,
} from '@ki/platform';
import { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { KafkaEventsServer } from './kafka-events.server';
import { MessagingMetrics } from './metrics';
import { Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { EventPublisher } from './publisher';
import { ensureDeclaredTopics } from './topics';

export interface MessagingOptions {
  /** Consumer group ids, e.g. ['funding-ledger']; the first is the default group of handlers without `{ group }`. */
  consumerGroups: string[];
  /** Messages handled per transaction (default 2000). */
  chunkSize?: number;
}

const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/**
 * The Kafka side of a service: topics, consumer groups, outbox relay and publisher, with their
 * state on /health. Started by bootstrapService once the broker answers.
 */
@Injectable()
export class Messaging implements MessagingRuntime, OnApplicationBootstrap, OnApplicationShutdown {
  readonly servers: KafkaEventsServer[];
  readonly relay: OutboxRelay;
  readonly publisher: EventPublisher;
  private readonly logger = new Logger('Messaging');

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(MESSAGING_OPTIONS) options: MessagingOptions,
    dataSource: DataSource,
    metrics: MessagingMetrics,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {
    const { topicPrefix, groupIdPrefix } = config.kafka;
    this.servers = options.consumerGroups.map(
      (groupId, i) =>
        new KafkaEventsServer({
          kafka,
          dataSource,
          metrics,
          groupId,
          groupIdPrefix,
          isDefaultGroup: i === 0,
          topicPrefix,
          chunkSize: options.chunkSize,
        }),
    );
    this.relay = new OutboxRelay({ kafka, dataSource, metrics, topicPrefix, log: this.logger });
    this.publisher = new EventPublisher(kafka, { source: `/ki/${config.service}`, topicPrefix });
  }

  /** Topics whose settings differ from their declaration, found at start-up. */
  private topicMismatches: string[] = [];

  /** Creates missing topics and checks the others' settings; throws while the broker is unreachable. */
  async ensureTopics(): Promise<void> {
    this.topicMismatches = await ensureDeclaredTopics(this.kafka, this.config.kafka.topicPrefix, this.logger);
  }

  startRelay(): void {
    this.relay.start();
  }

  onApplicationBootstrap(): void {
    this.checks.add(async () => {
      const session = this.indicators.check('messaging');
      const groups = this.servers.map((s) => s.health());
      const problems = [
        ...groups.filter((g) => g.problem).map((g) => `${g.groupId}: ${g.problem}`),
        ...(this.relay.problem ? [this.relay.problem] : []),
      ];
      const details = {
        groups,
        outbox: { lastSentAt: this.relay.lastSentAt?.toISOString() },
        ...(this.topicMismatches.length > 0 ? { topicSettingsDiffer: this.topicMismatches } : {}),
      };
      return problems.length === 0 ? session.up(details) : session.down({ ...details, message: problems.join('; ') });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.publisher.close();
  }
}

/** Kafka messaging of a service: topics, outbox, publisher and consumer groups. */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: MessagingMetrics, useFactory: (registry: Registry) => new MessagingMetrics(registry), inject: [METRICS_REGISTRY] },
        { provide: Outbox, useFactory: (config: ServiceConfig) => new Outbox(`/ki/${config.service}`), inject: [SERVICE_CONFIG] },
        Messaging,
        { provide: MESSAGING_RUNTIME, useExisting: Messaging },
        { provide: EventPublisher, useFactory: (m: Messaging) => m.publisher, inject: [Messaging] },
      ],
      exports: [Messaging, MESSAGING_RUNTIME, Outbox, EventPublisher, MessagingMetrics],
    };
  }
}
