import {
  DeadLetterReplayedV1,
  DeadLettersReplayedV1,
  decodePayload,
  EventTypes,
  EnvelopeHeaders,
  findContract,
  topicName,
  Topics,
} from '@ki/contracts';
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

/** A message read back from its topic by position, with its Kafka timestamp (ISO 8601). */
export interface MessageAt extends DeadLetter {
  timestamp: string;
}

/** Where a message is: physical topic, partition, offset. */
type MessagePosition = { topic: string; partition: number; offset: string };

/** The broker refused a read for good (kafkajs does not retry it), e.g. the reader's access was withdrawn, or could not be reached. */
export class MessageReadFailed extends Error {
  override readonly name = 'MessageReadFailed';
  readonly code = 'KAFKA.READ_FAILED';
}

/**
 * Reads the message at `partition`/`offset` of the physical topic `topic` with a consumer of the
 * throw-away group `groupId`; undefined at once when the partition holds no such offset (not
 * written yet, deleted by retention, no such partition or topic), and when the message does not
 * come within `timeoutMs`. Rejects when the broker refuses the read for good or cannot be asked.
 */
export async function readMessageAt(
  kafka: Kafka,
  at: MessagePosition,
  options: { groupId: string; timeoutMs?: number },
): Promise<MessageAt | undefined> {
  const { topic, partition, offset } = at;
  // Without this a consumer would wait for an offset past the end until its time is up, and one
  // before the start would make kafkajs reset to the earliest offset and read the whole partition.
  if (!(await holdsOffset(kafka, at))) return undefined;
  const consumer = kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<MessageAt | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), options.timeoutMs ?? 15_000);
      // A consumer kafkajs does not restart (e.g. reads no longer authorised) would otherwise end
      // as "not found" once the time is up: the caller learns why it could not read.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return;
        clearTimeout(timer);
        reject(readFailed(at, payload.error));
      });
      consumer
        .run({
          eachMessage: async ({ partition: p, message }) => {
            if (p !== partition || message.offset !== offset) return;
            clearTimeout(timer);
            resolve({
              partition,
              offset,
              timestamp: new Date(Number(message.timestamp)).toISOString(),
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

/** Whether the partition's log holds the offset now: between its start (retention) and its end. */
async function holdsOffset(kafka: Kafka, at: MessagePosition): Promise<boolean> {
  const { topic, partition, offset } = at;
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Asked for the offsets of a topic it does not know, kafkajs retries for seconds.
    if (!(await admin.listTopics()).includes(topic)) return false;
    const range = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition);
    return range !== undefined && BigInt(range.low) <= BigInt(offset) && BigInt(offset) < BigInt(range.high);
  } catch (err) {
    throw readFailed(at, err as Error);
  } finally {
    await admin.disconnect();
  }
}

function readFailed({ topic, partition, offset }: MessagePosition, err: Error): MessageReadFailed {
  return new MessageReadFailed(`reading ${topic} partition ${partition} offset ${offset} failed: ${err.message}`, { cause: err });
}

/** Reads the dead letter at `partition`/`offset`; undefined when there is none. */
export function readDeadLetter(
  kafka: Kafka,
  partition: number,
  offset: string,
  topicPrefix = '',
  timeoutMs = 15_000,
): Promise<MessageAt | undefined> {
  const topic = topicName(Topics.deadLetters, topicPrefix);
  return readMessageAt(kafka, { topic, partition, offset }, { groupId: `dead-letter-reader-${randomUUID()}`, timeoutMs });
}

/** Who replays and why; both are recorded. */
export interface ReplayRequest {
  replayedBy: string;
  reason: string;
  topicPrefix?: string;
  /** Replacement value, for a message repaired by the operator; the original value otherwise. */
  value?: string;
}

/** Why a dead letter cannot be replayed; nothing was sent. */
export class ReplayRefused extends Error {
  override readonly name = 'ReplayRefused';
  constructor(
    readonly code: 'REPLAY.UNKNOWN_TYPE' | 'REPLAY.FOREIGN_TOPIC',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where a replay may write: the topic the contracts declare for the dead letter's event type.
 * The `dlq_original_topic` header must name that topic, so a forged dead letter cannot make a
 * replay write to a topic of another system, the dead-letter topic or the operations audit trail.
 */
function replayTopic(deadLetter: DeadLetter, originalTopic: string, topicPrefix = ''): string {
  const type = deadLetter.headers[EnvelopeHeaders.type];
  const contract = type ? findContract(type) : undefined;
  if (!contract)
    throw new ReplayRefused(
      'REPLAY.UNKNOWN_TYPE',
      `${type ? `type ${type}` : 'a message without ce_type'} is no event type of the contracts`,
    );
  const topic = topicName(contract.topic, topicPrefix);
  if (originalTopic !== topic)
    throw new ReplayRefused('REPLAY.FOREIGN_TOPIC', `${type} belongs on ${topic}, but the dead letter names ${originalTopic}`);
  return topic;
}

/** Header names a replayed message carries in addition to its original headers. */
export const ReplayHeaders = {
  replayedBy: 'ki_replayed_by',
  replayedAt: 'ki_replayed_at',
  reason: 'ki_replay_reason',
  replayOf: 'ki_replay_of',
  /** Id of the batch a bulk replay sent the copy in. */
  batch: 'ki_replay_batch',
} as const;

/** The copy of a dead letter to send back: its own topic, key and envelope, the replay recorded in its headers. */
interface ReplayCopy {
  topic: string;
  deadLetterTopic: string;
  message: { key: string | null; value: string | null; headers: Record<string, string> };
}

/** Checks that `deadLetter` may be replayed (see {@link replayDeadLetter}) and builds its copy; sends nothing. */
function replayCopy(
  deadLetter: DeadLetter,
  request: ReplayRequest,
  replayedAt: string,
  extraHeaders: Record<string, string> = {},
): ReplayCopy {
  const originalTopic = deadLetter.headers[DeadLetterHeaders.originalTopic];
  if (!originalTopic)
    throw new Error(
      `message ${deadLetter.partition}/${deadLetter.offset} is not a dead letter (no ${DeadLetterHeaders.originalTopic} header)`,
    );
  if (request.reason.trim().length < 3) throw new Error('a replay needs a reason');
  const topic = replayTopic(deadLetter, originalTopic, request.topicPrefix);
  if (request.value !== undefined) decodePayload(deadLetter.headers[EnvelopeHeaders.type], request.value);
  const deadLetterTopic = topicName(Topics.deadLetters, request.topicPrefix);
  const headers = Object.fromEntries(Object.entries(deadLetter.headers).filter(([name]) => !name.startsWith('dlq_')));
  Object.assign(headers, {
    [ReplayHeaders.replayedBy]: request.replayedBy,
    [ReplayHeaders.replayedAt]: replayedAt,
    [ReplayHeaders.reason]: request.reason,
    [ReplayHeaders.replayOf]: `${deadLetterTopic}/${deadLetter.partition}/${deadLetter.offset}`,
    // The correlation id stays; the replay is a new attempt, so it starts a trace of its own.
    [EnvelopeHeaders.traceparent]: newTraceparent(),
    ...extraHeaders,
  });
  return { topic, deadLetterTopic, message: { key: deadLetter.key, value: request.value ?? deadLetter.value, headers } };
}

function replayProducer(kafka: Kafka) {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}

/**
 * Sends a dead letter back to its original topic, with its original key and envelope (same ce_id,
 * so a consumer that already handled the event skips it; same correlation id; a fresh trace) and
 * the replay recorded in its headers and as a DeadLetterReplayedV1 event on the operations topic.
 * Only an event type of the contracts is replayed, only to its own topic ({@link ReplayRefused}),
 * and a repaired value must satisfy the contract (a ContractViolation naming the fields otherwise).
 */
export async function replayDeadLetter(kafka: Kafka, deadLetter: DeadLetter, request: ReplayRequest): Promise<DeadLetterReplayedV1> {
  const replayedAt = new Date().toISOString();
  const { topic, deadLetterTopic, message } = replayCopy(deadLetter, request, replayedAt);
  const { headers } = message;
  const producer = replayProducer(kafka);
  await producer.connect();
  try {
    const [sent] = await producer.send({ topic, acks: -1, messages: [message] });
    const record = Object.assign(new DeadLetterReplayedV1(), {
      eventId: headers[EnvelopeHeaders.id] ?? `${deadLetterTopic}/${deadLetter.partition}/${deadLetter.offset}`,
      deadLetterTopic,
      deadLetterPartition: deadLetter.partition,
      deadLetterOffset: deadLetter.offset,
      topic,
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

/** A batch replay: who, why, how fast, and the filter that chose the dead letters (recorded as given). */
export interface BatchReplayRequest extends Omit<ReplayRequest, 'value'> {
  /** At most this many messages are sent per second. */
  ratePerSecond: number;
  /** How many dead letters matching the filter were left alone because their group had handled them. */
  alreadyHandled: number;
  filter: Pick<DeadLettersReplayedV1, 'reason' | 'type' | 'consumerGroup' | 'failedFrom' | 'failedTo'>;
}

/** A dead letter of a batch that was not sent, and why. */
export interface RefusedReplay {
  partition: number;
  offset: string;
  code: string;
  message: string;
}

/**
 * Sends every dead letter of a batch back to its topic (as {@link replayDeadLetter} does for one),
 * at most `ratePerSecond` per second, each copy carrying the batch id in `ki_replay_batch`, and
 * records the batch as one DeadLettersReplayedV1 event on the operations topic. Dead letters that
 * may not be replayed ({@link ReplayRefused}) are left out and returned; the rest is sent.
 */
export async function replayDeadLetterBatch(
  kafka: Kafka,
  deadLetters: DeadLetter[],
  request: BatchReplayRequest,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<{ record: DeadLettersReplayedV1; refused: RefusedReplay[] }> {
  const replayedAt = new Date().toISOString();
  const batchId = randomUUID();
  const copies: ReplayCopy[] = [];
  const refused: RefusedReplay[] = [];
  for (const letter of deadLetters) {
    try {
      copies.push(replayCopy(letter, request, replayedAt, { [ReplayHeaders.batch]: batchId }));
    } catch (err) {
      if (!(err instanceof ReplayRefused)) throw err;
      refused.push({ partition: letter.partition, offset: letter.offset, code: err.code, message: err.message });
    }
  }
  const producer = replayProducer(kafka);
  await producer.connect();
  try {
    const started = Date.now();
    for (const [i, copy] of copies.entries()) {
      const due = started + (i * 1000) / request.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      await producer.send({ topic: copy.topic, acks: -1, messages: [copy.message] });
    }
    const record = Object.assign(new DeadLettersReplayedV1(), {
      batchId,
      ...request.filter,
      replayed: copies.length,
      alreadyHandled: request.alreadyHandled,
      eventIds: copies.map((c) => c.message.headers[EnvelopeHeaders.id] ?? ''),
      replayedBy: request.replayedBy,
      replayReason: request.reason,
      replayedAt,
    });
    const audit = encodeEvent(EventTypes.DeadLettersReplayedV1, record, '/ki/operations', { correlationId: batchId });
    await producer.send({ topic: topicName(Topics.operations, request.topicPrefix), acks: -1, messages: [audit.message] });
    return { record, refused };
  } finally {
    await producer.disconnect();
  }
}
