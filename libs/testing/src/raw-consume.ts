// Timing of the consumer benchmarks: the inbox consumer and its baseline, plain kafkajs, are both
// timed from their first fetch request (joining the group is not measured, fetching and decoding
// every message is) until the N-th message is done.
import { ConsumerConfig, Kafka } from 'kafkajs';

/** Starts at a consumer's first fetch request and stops when `count` messages are done. */
export class ConsumeTimer {
  readonly finished: Promise<number>;
  private first = 0;
  private done = 0;
  private stop: (ms: number) => void = () => undefined;

  constructor(private readonly count: number) {
    this.finished = new Promise<number>((resolve) => (this.stop = resolve));
  }

  /** `kafka`, whose consumers start the clock at their first fetch request. */
  kafka(kafka: Kafka): Kafka {
    return Object.create(kafka, {
      consumer: {
        value: (config: ConsumerConfig) => {
          const consumer = kafka.consumer(config);
          consumer.on(consumer.events.FETCH_START, () => (this.first ||= performance.now()));
          return consumer;
        },
      },
    }) as Kafka;
  }

  /** Counts `n` more messages done. */
  add(n: number): void {
    this.done += n;
    if (this.done >= this.count) this.stop(performance.now() - this.first);
  }

  /** Counts here too what the inbox consumer's `consumed` counter counts (an event once its transaction committed). */
  countConsumed<M extends { consumed: { inc(labels: object, n?: number): void } }>(metrics: M): M {
    const inc = metrics.consumed.inc.bind(metrics.consumed);
    metrics.consumed.inc = (labels: object, n?: number) => {
      inc(labels, n);
      this.add(n ?? 1);
    };
    return metrics;
  }
}

/** The baseline: plain kafkajs reading `topic` from the start and parsing each value. */
export async function rawConsume(
  kafka: Kafka,
  topic: string,
  count: number,
  config: ConsumerConfig,
  partitionsConsumedConcurrently = 1,
): Promise<number> {
  const timer = new ConsumeTimer(count);
  const consumer = timer.kafka(kafka).consumer(config);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) {
        JSON.parse(message.value?.toString() ?? 'null');
        resolveOffset(message.offset);
      }
      timer.add(batch.messages.length);
    },
  });
  const ms = await timer.finished;
  await consumer.disconnect();
  return ms;
}
