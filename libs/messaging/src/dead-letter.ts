import type { KafkaMessage } from 'kafkajs';
import { headersAsStrings } from './envelope-codec';

/** Where and why a message failed; carried in the `dlq_*` headers of the dead letter. */
export interface DeadLetterReason {
  topic: string;
  partition: number;
  offset: string;
  /** Stable code, e.g. `CONTRACT.INVALID_PAYLOAD`. */
  errorCode: string;
  errorMessage: string;
  attempts: number;
  consumerGroup: string;
}

/** Header names of the dead-letter metadata. */
export const DeadLetterHeaders = {
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
  errorCode: 'dlq_error_code',
  error: 'dlq_error',
  attempts: 'dlq_attempts',
  consumerGroup: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
} as const;

/** The dead letter of a failed message: same key, value and headers, plus the reason. */
export function deadLetterMessage(message: KafkaMessage, reason: DeadLetterReason, now = new Date()) {
  const headers: Record<string, string> = {
    ...headersAsStrings(message.headers),
    [DeadLetterHeaders.originalTopic]: reason.topic,
    [DeadLetterHeaders.originalPartition]: String(reason.partition),
    [DeadLetterHeaders.originalOffset]: reason.offset,
    [DeadLetterHeaders.errorCode]: reason.errorCode,
    [DeadLetterHeaders.error]: reason.errorMessage.slice(0, 2000),
    [DeadLetterHeaders.attempts]: String(reason.attempts),
    [DeadLetterHeaders.consumerGroup]: reason.consumerGroup,
    [DeadLetterHeaders.failedAt]: now.toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}
