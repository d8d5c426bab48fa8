import { EnvelopeAttributes, EventContract, topicName } from '@ki/contracts';
import { CompressionTypes, Kafka, Producer } from 'kafkajs';
import { encodeEvent, EventOrigin } from './envelope-codec';

/** Settings of an {@link EventPublisher}. */
export interface PublisherOptions {
  /** CloudEvents source of everything this publisher sends, e.g. `/ki/registry`. */
  source: string;
  topicPrefix?: string;
}

/**
 * Sends validated events straight to Kafka with the idempotent producer (acks=all), in order
 * per key. For internal services and tools that emit events; a service that changes its own
 * state alongside uses the transactional outbox instead, so that neither is lost without the other.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly options: PublisherOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Unlimited retries keep the idempotent producer's guarantees; a send waits out a broker outage.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
    });
  }

  /** Validates `payload` exactly as consumers will, then publishes it; resolves once the broker has it. */
  async publish<P extends object>(contract: EventContract<P>, payload: P, origin?: EventOrigin): Promise<EnvelopeAttributes> {
    const { envelope, message } = encodeEvent(contract, payload, this.options.source, origin);
    await this.connect();
    await this.producer.send({
      topic: topicName(contract.topic, this.options.topicPrefix),
      acks: -1,
      compression: CompressionTypes.None,
      messages: [message],
    });
    return envelope;
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err) => {
      this.connected = undefined;
      throw err;
    });
    return this.connected;
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}
