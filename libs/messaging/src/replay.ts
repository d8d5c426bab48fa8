import { DeadLetterReplayedV1, EventTypes, EnvelopeHeaders, topicName, Topics } from '@ki/contracts';
import { newTraceparent } from '@ki/platform';
import { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { DeadLetterHeaders } from './dead-letter';
import { encodeEvent, headersAsStrings } from './envelope-codec';

/** A message read from the dead-letter topic. */
export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads the dead letter at `partition`/`offset`; undefined when there is none. */
export async function readDeadLetter(
  kafka: Kafka,
  partition: number,
  offset: string,
  topicPrefix = '',
  timeoutMs = 15_000,
): Promise<DeadLetter | undefined> {
  const topic = topicName(Topics.deadLetters, topicPrefix);
  const consumer = kafka.consumer({ groupId: `dead-letter-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<DeadLetter | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition: p, message }) => {
            if (p !== partition || message.offset !== offset) return;
            clearTimeout(timer);
            resolve({
              partition,
              offset,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              headers: headersAsStrings(message.headers),
            });
          },
        })
        .then(() => consumer.seek({ topic, partition, offset }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Who replays and why; both are recorded. */
export interface ReplayRequest {
  replayedBy: string;
  reason: string;
  topicPrefix?: string;
  /** Replacement value, for a message repaired by the operator; the original value otherwise. */
  value?: string;
}

/** Header names a replayed message carries in addition to its original headers. */
export const ReplayHeaders = {
  replayedBy: 'ki_replayed_by',
  replayedAt: 'ki_replayed_at',
  reason: 'ki_replay_reason',
  replayOf: 'ki_replay_of',
} as const;

/**
 * Sends a dead letter back to its original topic, with its original key and envelope (same ce_id,
 * so a consumer that already handled the event skips it; same correlation id; a fresh trace) and
 * the replay recorded in its headers and as a DeadLetterReplayedV1 event on the operations topic.
 */
export async function replayDeadLetter(kafka: Kafka, deadLetter: DeadLetter, request: ReplayRequest): Promise<DeadLetterReplayedV1> {
  const originalTopic = deadLetter.headers[DeadLetterHeaders.originalTopic];
  if (!originalTopic)
    throw new Error(
      `message ${deadLetter.partition}/${deadLetter.offset} is not a dead letter (no ${DeadLetterHeaders.originalTopic} header)`,
    );
  if (request.reason.trim().length < 3) throw new Error('a replay needs a reason');
  const replayedAt = new Date().toISOString();
  const deadLetterTopic = topicName(Topics.deadLetters, request.topicPrefix);
  const headers = Object.fromEntries(Object.entries(deadLetter.headers).filter(([name]) => !name.startsWith('dlq_')));
  Object.assign(headers, {
    [ReplayHeaders.replayedBy]: request.replayedBy,
    [ReplayHeaders.replayedAt]: replayedAt,
    [ReplayHeaders.reason]: request.reason,
    [ReplayHeaders.replayOf]: `${deadLetterTopic}/${deadLetter.partition}/${deadLetter.offset}`,
    // The correlation id stays; the replay is a new attempt, so it starts a trace of its own.
    [EnvelopeHeaders.traceparent]: newTraceparent(),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const [sent] = await producer.send({
      topic: originalTopic,
      acks: -1,
      messages: [{ key: deadLetter.key, value: request.value ?? deadLetter.value, headers }],
    });
    const record = Object.assign(new DeadLetterReplayedV1(), {
      eventId: headers[EnvelopeHeaders.id] ?? `${deadLetterTopic}/${deadLetter.partition}/${deadLetter.offset}`,
      deadLetterTopic,
      deadLetterPartition: deadLetter.partition,
      deadLetterOffset: deadLetter.offset,
      topic: originalTopic,
      partition: sent.partition,
      offset: sent.baseOffset ?? '-1',
      replayedBy: request.replayedBy,
      reason: request.reason,
      replayedAt,
    });
    const audit = encodeEvent(EventTypes.DeadLetterReplayedV1, record, '/ki/operations', {
      correlationId: headers[EnvelopeHeaders.correlationId],
      causationId: headers[EnvelopeHeaders.id],
    });
    await producer.send({ topic: topicName(Topics.operations, request.topicPrefix), acks: -1, messages: [audit.message] });
    return record;
  } finally {
    await producer.disconnect();
  }
}
