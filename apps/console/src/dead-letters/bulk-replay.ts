import { Inject, Injectable } from '@nestjs/common';
import { ConsumedEventTypes, ConsumerGroup } from '@ki/contracts';
import { DeadLetter, RefusedReplay, replayDeadLetterBatch } from '@ki/messaging';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { Kafka } from 'kafkajs';
import type { ConsoleConfig } from '../config';
import { InboxLookup } from '../flow/inbox-lookup';
import { IndexQueries } from '../message-index/index-queries';
import { IndexedMessage } from '../message-index/indexed-message';
import { DeadLetters } from './dead-letters';
import { planReplay, ReplayFilter } from './replay-filter';

/** A bulk replay of this console is still sending; one at a time keeps the rate limit meaningful. */
export class BulkReplayRunning extends Error {
  readonly code = 'CONSOLE.BULK_REPLAY_RUNNING';
}

/** What a bulk replay did, or (dry run) would do. */
export interface BulkReplayResult {
  dryRun: boolean;
  /** Dead letters matching the filter (one per event id and consumer group). */
  matched: number;
  /** Sent back (dry run: would be sent). */
  send: number;
  /** Left alone: the consumer group already handled the event id. */
  alreadyHandled: number;
  /** Matching dead letters beyond `limit`, left for another batch. */
  remaining: number;
  /** Matching dead letters that cannot be replayed in a batch, and why. */
  refused: RefusedReplay[];
  /** Per consumer group: to send and already handled. */
  byGroup: Record<string, { send: number; alreadyHandled: number }>;
  /** Id of the batch on the operations topic (not for a dry run). */
  batchId?: string;
}

/** Replays every dead letter that matches a filter, at a limited rate, as one audited batch. */
@Injectable()
export class BulkReplay {
  private running = false;

  constructor(
    private readonly index: IndexQueries,
    private readonly deadLetters: DeadLetters,
    private readonly inbox: InboxLookup,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async replay(request: {
    filter: ReplayFilter;
    dryRun: boolean;
    limit: number;
    ratePerSecond: number;
    reason: string;
    replayedBy: string;
  }): Promise<BulkReplayResult> {
    if (this.running) throw new BulkReplayRunning('another bulk replay is still sending: wait for it to finish');
    this.running = true;
    try {
      return await this.run(request);
    } finally {
      this.running = false;
    }
  }

  private async run(request: Parameters<BulkReplay['replay']>[0]): Promise<BulkReplayResult> {
    const { filter } = request;
    const letters = await this.index.allDeadLettersOldestFirst(filter);
    const handled = await this.handled(letters);
    const plan = planReplay(letters, filter, (group, id) => handled.get(group)?.has(id) ?? false);
    const batch = plan.toSend.slice(0, request.limit);
    const byGroup: BulkReplayResult['byGroup'] = {};
    const count = (letter: IndexedMessage, field: 'send' | 'alreadyHandled', by = 1) => {
      const group = letter.deadLetter?.consumerGroup ?? '';
      byGroup[group] ??= { send: 0, alreadyHandled: 0 };
      byGroup[group][field] += by;
    };
    batch.forEach((l) => count(l, 'send'));
    plan.alreadyHandled.forEach((l) => count(l, 'alreadyHandled'));
    const result: BulkReplayResult = {
      dryRun: request.dryRun,
      matched: plan.toSend.length + plan.alreadyHandled.length,
      send: batch.length,
      alreadyHandled: plan.alreadyHandled.length,
      remaining: plan.toSend.length - batch.length,
      refused: [],
      byGroup,
    };
    if (request.dryRun || batch.length === 0) return result;
    const { whole, missing } = await this.readWhole(batch);
    missing.forEach((l) => count(l, 'send', -1));
    const sent = await replayDeadLetterBatch(this.kafka, whole.map(asDeadLetter), {
      replayedBy: request.replayedBy,
      reason: request.reason,
      topicPrefix: this.config.kafka.topicPrefix,
      ratePerSecond: request.ratePerSecond,
      alreadyHandled: plan.alreadyHandled.length,
      filter: {
        reason: filter.reason,
        type: filter.type,
        consumerGroup: filter.consumerGroup,
        failedFrom: filter.failedFrom?.toISOString(),
        failedTo: filter.failedTo?.toISOString(),
      },
    });
    const refusedIds = new Set(sent.refused.map((r) => `${r.partition}/${r.offset}`));
    for (const letter of whole) if (refusedIds.has(`${letter.partition}/${letter.offset}`)) count(letter, 'send', -1);
    const refused: RefusedReplay[] = missing.map((l) => ({
      partition: l.partition,
      offset: l.offset,
      code: 'CONSOLE.DEAD_LETTER_NOT_FOUND',
      message: 'kept only in part by the index and no longer on the dead-letter topic',
    }));
    return { ...result, send: sent.record.replayed, refused: [...refused, ...sent.refused], batchId: sent.record.batchId };
  }

  /**
   * The letters of the batch whole: a letter the index keeps only in part is read from the topic by
   * its offset, one at a time; one the topic no longer holds is missing.
   */
  private async readWhole(batch: IndexedMessage[]): Promise<{ whole: IndexedMessage[]; missing: IndexedMessage[] }> {
    const whole: IndexedMessage[] = [];
    const missing: IndexedMessage[] = [];
    for (const letter of batch) {
      const read = await this.deadLetters.whole(letter);
      if (read) whole.push(read);
      else missing.push(letter);
    }
    return { whole, missing };
  }

  /** Event ids each of our consumer groups has handled, among those of the dead letters. */
  private async handled(letters: IndexedMessage[]): Promise<Map<string, Set<string>>> {
    const result = new Map<string, Set<string>>();
    for (const group of Object.keys(ConsumedEventTypes) as ConsumerGroup[]) {
      const ids = letters.filter((l) => l.id && l.deadLetter?.consumerGroup === group).map((l) => l.id as string);
      result.set(group, await this.inbox.handled(group, [...new Set(ids)]));
    }
    return result;
  }
}

function asDeadLetter(message: IndexedMessage): DeadLetter {
  return { partition: message.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers };
}
