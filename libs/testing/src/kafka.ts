import { EventPublisher, headersAsStrings } from '@ki/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { testInfrastructure, uniqueId } from './isolation';

/** A kafkajs client for tests, quiet unless something is wrong. */
export function testKafka(): Kafka {
  return new Kafka({ clientId: `test-${uniqueId()}`, brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.ERROR });
}

/** A publisher that emits events the way another internal service would. */
export function testPublisher(kafka: Kafka, topicPrefix: string, source = '/ki/test'): EventPublisher {
  return new EventPublisher(kafka, { source, topicPrefix });
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
        headers: headersAsStrings(message.headers),
        partition,
        offset: message.offset,
      });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
