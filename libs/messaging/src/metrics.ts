import { Counter, Gauge, Registry } from 'prom-client';
import { MessageHistogram } from './message-histogram';

/** Buckets of the latency histograms: a few milliseconds (one hop on an idle system) up to a 5-minute outage. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Prometheus metrics of the messaging layer, registered on the service's own registry. */
export class MessagingMetrics {
  readonly published: Counter<'topic'>;
  readonly consumed: Counter<'group' | 'type' | 'outcome'>;
  readonly retried: Counter<'group' | 'kind'>;
  readonly deadLettered: Counter<'group' | 'code'>;
  readonly handlerDuration: MessageHistogram<'group' | 'type'>;
  readonly outboxBacklog: Gauge;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly consumerWait: MessageHistogram<'group' | 'topic'>;
  readonly consumerDone: MessageHistogram<'group' | 'topic'>;
  readonly outboxDelay: MessageHistogram<'topic'>;

  constructor(registry: Registry) {
    this.published = new Counter({
      name: 'ki_messages_published_total',
      help: 'Messages sent to Kafka by the outbox relay or publisher',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.consumed = new Counter({
      name: 'ki_messages_consumed_total',
      help: 'Messages consumed, by outcome (processed, duplicate, ignored, dead-lettered)',
      labelNames: ['group', 'type', 'outcome'],
      registers: [registry],
    });
    this.retried = new Counter({
      name: 'ki_message_retries_total',
      help: 'Handler attempts that failed and were retried',
      labelNames: ['group', 'kind'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'ki_dead_letters_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['group', 'code'],
      registers: [registry],
    });
    this.handlerDuration = new MessageHistogram(
      'ki_handler_duration_seconds',
      'Time to handle one message, transaction included',
      ['group', 'type'],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registry,
    );
    this.outboxBacklog = new Gauge({ name: 'ki_outbox_backlog', help: 'Outbox messages not yet sent to Kafka', registers: [registry] });
    this.consumerLag = new Gauge({
      name: 'ki_consumer_lag',
      help: 'Messages behind the partition end, as of the last batch',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    });
    // Where an event's time goes, hop by hop: the Kafka timestamp is when the producer sent it.
    this.consumerWait = new MessageHistogram(
      'ki_consumer_wait_seconds',
      "From a message's Kafka timestamp until its batch reached the group's handlers (in Kafka and the fetch loop)",
      ['group', 'topic'],
      LATENCY_BUCKETS,
      registry,
    );
    this.consumerDone = new MessageHistogram(
      'ki_consumer_done_seconds',
      "From a message's Kafka timestamp until the transaction that handled it committed (or it was dead-lettered)",
      ['group', 'topic'],
      LATENCY_BUCKETS,
      registry,
    );
    this.outboxDelay = new MessageHistogram(
      'ki_outbox_delay_seconds',
      'From the start of the transaction that wrote an outbox row until Kafka acknowledged its event',
      ['topic'],
      LATENCY_BUCKETS,
      registry,
    );
  }
}
