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

const FILTER_KEYS: Record<string, string> = { reason: 'reason', type: 'type', group: 'consumerGroup', from: 'from', to: 'to' };

/** `--filter reason=CODE --filter group=funding-ledger …` as the filter of POST /api/dead-letters/replay. */
export function replayFilter(entries: string[], usage: string): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = at < 0 ? entry : entry.slice(0, at);
    const value = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!FILTER_KEYS[name] || !value)
      throw usageError(`--filter takes KEY=VALUE with KEY one of ${Object.keys(FILTER_KEYS).join(', ')}, got "${entry}"`, usage);
    if ((name === 'from' || name === 'to') && Number.isNaN(Date.parse(value)))
      throw usageError(`--filter ${name}= must be a time (ISO 8601), got "${value}"`, usage);
    filter[FILTER_KEYS[name]] = name === 'from' || name === 'to' ? new Date(value).toISOString() : value;
  }
  return filter;
}

interface BulkReplayResult {
  dryRun: boolean;
  matched: number;
  send: number;
  alreadyHandled: number;
  remaining: number;
  refused: { partition: number; offset: string; code: string; message: string }[];
  byGroup: Record<string, { send: number; alreadyHandled: number }>;
  batchId?: string;
}

async function bulkReplay(context: CommandContext, filters: string[]): Promise<number> {
  if (context.positionals.length > 0) throw usageError('give either <partition> <offset> or --filter, not both', context.usage);
  const dryRun = context.values['dry-run'] === true;
  const reason = flag(context, 'reason');
  if (!dryRun && !reason?.trim()) throw usageError('--reason is required unless --dry-run: say why the batch is sent again', context.usage);
  const rate = flag(context, 'rate');
  if (rate !== undefined && !/^\d+$/.test(rate))
    throw usageError(`--rate must be a whole number of messages per second, got "${rate}"`, context.usage);
  const result = await context.console.request<BulkReplayResult>('POST', '/api/dead-letters/replay', {
    filter: replayFilter(filters, context.usage),
    dryRun,
    ...(dryRun ? {} : { reason }),
    ...(rate === undefined ? {} : { ratePerSecond: Number(rate) }),
  });
  if (context.config.json) return (printJson(result), 0);
  printLines(
    `${result.dryRun ? 'dry run, nothing sent: ' : ''}${result.matched} dead letter(s) match; ${result.dryRun ? 'would send' : 'sent'} ${result.send}, ` +
      `${result.alreadyHandled} already handled${result.remaining ? `, ${result.remaining} left for another batch` : ''}` +
      `${result.batchId ? ` (batch ${result.batchId})` : ''}`,
  );
  const groups = Object.entries(result.byGroup);
  if (groups.length)
    printLines(
      table(
        ['group', 'send', 'already handled'],
        groups.map(([group, n]) => [group, n.send, n.alreadyHandled]),
      ),
    );
  for (const r of result.refused) printLines(`refused ${r.partition}/${r.offset}: ${r.code} ${r.message}`);
  return 0;
}

export const dlqReplay: Command = {
  words: ['dlq', 'replay'],
  summary: 'send a dead letter back to its topic (optionally repaired), or every one matching --filter as one batch',
  synopsis:
    '<partition> <offset> --reason TEXT [--payload-file FILE.json] | --filter KEY=VALUE... [--dry-run] [--rate N] --reason TEXT [--json]',
  details: [
    '--reason TEXT          why, recorded with the replay (required, except for a --dry-run)',
    '--payload-file FILE    repaired payload; it must satisfy the contract',
    '--filter KEY=VALUE     replay every dead letter that matches (repeatable): reason=CODE, type=TYPE, group=GROUP,',
    '                       from=TIME, to=TIME (failure time, ISO 8601); letters their group already handled are left alone',
    '--dry-run              with --filter: count what would be sent and what is already handled; send nothing',
    '--rate N               with --filter: at most N messages per second (default 20)',
  ],
  options: {
    reason: { type: 'string' },
    'payload-file': { type: 'string' },
    filter: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    rate: { type: 'string' },
  },
  positionals: { min: 0, max: 2 },
  async run(context) {
    const filters = context.values.filter as unknown as string[] | undefined;
    if (filters?.length) return bulkReplay(context, filters);
    if (context.positionals.length !== 2) throw usageError('give <partition> <offset> of one dead letter, or --filter', context.usage);
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
