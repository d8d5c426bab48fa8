import { EventTypes, envelopeToHeaders, topicName, Topics } from '@ki/contracts';
import type { Kafka } from 'kafkajs';

/** A centre-opened event that breaks its contract (`openedOn: "soon"`), with the ids the test wants to find it by. */
export interface PoisonOpening {
  eventId: string;
  correlationId: string;
  /** The payload as sent; repair it by replacing `openedOn`. */
  payload: Record<string, unknown>;
}

/**
 * Publishes `poison.payload` as a centre opening straight to the centres topic, bypassing the
 * contract validation every producer of the system does, as a broken producer would.
 */
export async function publishPoisonOpening(kafka: Kafka, topicPrefix: string, poison: PoisonOpening): Promise<void> {
  const key = String(poison.payload.hostBodyKey);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topicName(Topics.centres, topicPrefix),
      messages: [
        {
          key,
          value: JSON.stringify(poison.payload),
          headers: envelopeToHeaders({
            id: poison.eventId,
            type: EventTypes.CentreOpenedV1.type,
            source: '/ki/test-tool',
            time: new Date().toISOString(),
            subject: key,
            correlationId: poison.correlationId,
          }),
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}
