import { kafkaJsSecurity, readKafkaSecurity } from '@ki/platform';
import { Kafka, logLevel } from 'kafkajs';
import { testInfrastructure, uniqueId } from './isolation';

/** A kafkajs client for tests, quiet unless something is wrong; SASL and TLS from the KAFKA_SASL_* and KAFKA_TLS* variables. */
export function testKafka(): Kafka {
  return new Kafka({
    clientId: `test-${uniqueId()}`,
    brokers: testInfrastructure().kafkaBrokers,
    logLevel: logLevel.ERROR,
    ...kafkaJsSecurity(readKafkaSecurity(process.env)),
  });
}

/** A received message, with headers as strings. */
export interface ReceivedMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Collects every message of a topic from the beginning, in a group of its own.
 * `messages` fills up as they arrive; pair it with `eventually`.
 */
export async function collectMessages(kafka: Kafka, topic: string): Promise<{ messages: ReceivedMessage[]; stop(): Promise<void> }> {
  const messages: ReceivedMessage[] = [];
  const consumer = kafka.consumer({ groupId: `collector-${uniqueId()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      messages.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[v.length - 1] : v)]),
        ),
        partition,
        offset: message.offset,
      });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
