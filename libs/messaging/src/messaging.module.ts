import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HealthChecks, KAFKA_CLIENT, SERVICE_CONFIG, ServiceConfig } from '@ki/platform';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KafkaEventsServer } from './kafka-events.server';
import { EventPublisher } from './publisher';
import { ensureTopics } from './topics';

/** Consumer groups of a service; the first is the default group of handlers without `{ group }`. */
export const CONSUMER_GROUPS = Symbol('CONSUMER_GROUPS');

export interface MessagingOptions {
  /** Consumer group ids, e.g. ['funding-ledger']. Empty for a service that only publishes. */
  consumerGroups: string[];
}

/** Builds the consumer servers of a service and reports their progress on /health. */
@Injectable()
export class ConsumerServers implements OnApplicationBootstrap {
  readonly servers: KafkaEventsServer[];

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(CONSUMER_GROUPS) groups: string[],
    dataSource: DataSource,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.servers = groups.map(
      (groupId, i) =>
        new KafkaEventsServer({ kafka, dataSource, groupId, isDefaultGroup: i === 0, topicPrefix: config.kafka.topicPrefix }),
    );
  }

  onApplicationBootstrap(): void {
    this.checks.add(async () => {
      const session = this.indicators.check('consumers');
      const groups = this.servers.map((s) => s.health());
      const failing = groups.filter((g) => g.problem);
      return failing.length === 0 ? session.up({ groups }) : session.down({ groups, message: failing.map((g) => `${g.groupId}: ${g.problem}`).join('; ') });
    });
  }
}

@Injectable()
class TopicsAndPublisher implements OnApplicationShutdown {
  readonly publisher: EventPublisher;

  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka, @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {
    this.publisher = new EventPublisher(kafka, { source: `/ki/${config.service}`, topicPrefix: config.kafka.topicPrefix });
  }

  ensureTopics(): Promise<void> {
    return ensureTopics(this.kafka, this.config.kafka.topicPrefix);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

/** Kafka messaging of a service: topics, the event publisher and the consumer groups. */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: CONSUMER_GROUPS, useValue: options.consumerGroups },
        TopicsAndPublisher,
        { provide: EventPublisher, useFactory: (t: TopicsAndPublisher) => t.publisher, inject: [TopicsAndPublisher] },
        ConsumerServers,
      ],
      exports: [EventPublisher, ConsumerServers, TopicsAndPublisher],
    };
  }
}

export { TopicsAndPublisher };
