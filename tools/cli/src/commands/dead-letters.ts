import { readFileSync } from 'node:fs';
import { usageError } from '../errors';
import { Command, CommandContext, flag } from '../command';
import { printJson, printLines, table } from '../format';

// The parts of the console's API answers that `ki` prints; a tool reads them over HTTP and imports no app.
interface DeadLetterView {
  partition: number;
  offset: string;
  id?: string;
  type?: string;
  key: string | null;
  correlationId?: string;
  consumerGroup: string;
  errorCode: string;
  error: string;
  attempts: number;
  failedAt: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  payload: unknown;
  headers: Record<string, string>;
  replay?: { consumerGroup: string; alreadyHandledBy: string[]; noop: boolean };
}

/** `<partition> <offset>` of a dead letter, checked. */
function position(context: CommandContext): string {
  const [partition, offset] = context.positionals;
  if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset)) {
    throw usageError(`partition and offset must be whole numbers, got "${partition}" "${offset}"`, context.usage);
  }
  return `${partition}/${offset}`;
}

/** Reads a JSON file, or fails with exit code 2 naming the file and the problem. */
export function readJsonFile(file: string, usage: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${file}: ${(err as Error).message}`, usage);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${file} is not JSON: ${(err as Error).message}`, usage);
  }
}

export const dlqList: Command = {
  words: ['dlq', 'list'],
  summary: 'dead letters, newest first, filtered by reason, type or consumer group',
  synopsis: '[--reason CODE] [--type TYPE] [--group GROUP] [--json]',
  details: ['--reason CODE   error code, e.g. CONTRACT.INVALID_PAYLOAD'],
  options: { reason: { type: 'string' }, type: { type: 'string' }, group: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const params = new URLSearchParams();
    for (const [name, param] of [
      ['reason', 'reason'],
      ['type', 'type'],
      ['group', 'consumerGroup'],
    ]) {
      const value = flag(context, name);
      if (value) params.set(param, value);
    }
    const letters = await context.console.request<DeadLetterView[]>('GET', `/api/dead-letters${params.size ? `?${params}` : ''}`);
    if (context.config.json) return (printJson(letters), 0);
    if (letters.length === 0) return (printLines('no dead letters'), 0);
    printLines(
      table(
        ['partition', 'offset', 'failed at', 'group', 'reason', 'type', 'key', 'event id'],
        letters.map((l) => [l.partition, l.offset, l.failedAt, l.consumerGroup, l.errorCode, l.type, l.key, l.id]),
      ),
    );
    return 0;
  },
};

export const dlqShow: Command = {
  words: ['dlq', 'show'],
  summary: 'one dead letter: error, payload, headers and what a replay would do',
  synopsis: '<partition> <offset> [--json]',
  options: {},
  positionals: { min: 2, max: 2 },
  async run(context) {
    const letter = await context.console.request<DeadLetterView>('GET', `/api/dead-letters/${position(context)}`);
    if (context.config.json) return (printJson(letter), 0);
    printLines(
      table(
        ['', ''],
        [
          ['event id', letter.id],
          ['type', letter.type],
          ['key', letter.key],
          ['correlation id', letter.correlationId],
          ['consumer group', letter.consumerGroup],
          ['reason', letter.errorCode],
          ['error', letter.error],
          ['attempts', letter.attempts],
          ['failed at', letter.failedAt],
          ['from', `${letter.originalTopic} partition ${letter.originalPartition} offset ${letter.originalOffset}`],
        ],
      ).replace(/^\s*\n/, ''),
    );
    if (letter.replay) {
      const { noop, alreadyHandledBy } = letter.replay;
      printLines(
        noop
          ? `replay: no-op, ${letter.consumerGroup} already handled this event id`
          : `replay: ${letter.consumerGroup} would handle it${alreadyHandledBy.length ? ` (already handled by ${alreadyHandledBy.join(', ')})` : ''}`,
      );
    }
    printLines(`payload:\n${JSON.stringify(letter.payload, null, 2)}`);
    printLines(`headers:\n${table(['', ''], Object.entries(letter.headers)).replace(/^\s*\n/, '')}`);
    return 0;
  },
};

export const dlqReplay: Command = {
  words: ['dlq', 'replay'],
  summary: 'send a dead letter back to its topic, optionally with a repaired payload',
  synopsis: '<partition> <offset> --reason TEXT [--payload-file FILE.json] [--json]',
  details: [
    '--reason TEXT          why, recorded with the replay (required)',
    '--payload-file FILE    repaired payload; it must satisfy the contract',
  ],
  options: { reason: { type: 'string' }, 'payload-file': { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run(context) {
    const at = position(context);
    const reason = flag(context, 'reason');
    if (!reason?.trim()) throw usageError('--reason is required: say why this dead letter is sent again', context.usage);
    const file = flag(context, 'payload-file');
    const payload = file === undefined ? undefined : readJsonFile(file, context.usage);
    const result = await context.console.request<{ eventId: string; replayedBy: string; noop: boolean; topic?: string }>(
      'POST',
      `/api/dead-letters/${at}/replay`,
      payload === undefined ? { reason } : { reason, payload },
    );
    if (context.config.json) return (printJson(result), 0);
    printLines(
      `replayed event ${result.eventId} by ${result.replayedBy}${payload === undefined ? '' : ' with the repaired payload'}` +
        (result.noop ? ' — a no-op: the consumer group already handled it' : ''),
    );
    return 0;
  },
};
