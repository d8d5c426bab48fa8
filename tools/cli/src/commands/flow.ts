import { CliError, usageError } from '../errors';
import { Command, CommandContext, flag } from '../command';
import { germanAmounts, printJson, printLines, table } from '../format';

// The parts of the console's API answers that `ki` prints; a tool reads them over HTTP and imports no app.
interface FlowRow {
  seq: number;
  topic: string;
  receivedAt: string;
  time?: string;
  type?: string;
  key: string | null;
  correlationId?: string;
  source?: string;
  invalid?: string;
  deadLetter?: { consumerGroup?: string; errorCode?: string };
  consumers?: { group: string; status: string }[];
}

interface JourneyEntry {
  step: string;
  type: string;
  time?: string;
  summary: string;
  deadLetteredBy?: string;
  deadLetterReason?: string;
}

interface Journey {
  query: string;
  hostBodyKeys: string[];
  entries: JourneyEntry[];
  missing: { step: string; waitingSince: string; overdue: boolean }[];
}

interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  committed: string;
  high: string;
  lag: number;
  stalled: boolean;
}

function positiveInt(context: CommandContext, name: string): number | undefined {
  const raw = flag(context, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw usageError(`--${name} must be a positive whole number, got "${raw}"`, context.usage);
  return Number(raw);
}

function flowLine(row: FlowRow): string {
  const consumers = (row.consumers ?? []).map((c) => `${c.group}:${c.status}`).join(' ');
  const dead = row.deadLetter ? ` dead letter of ${row.deadLetter.consumerGroup} (${row.deadLetter.errorCode})` : '';
  const invalid = row.invalid ? ` INVALID ${row.invalid}` : '';
  return [
    row.time ?? row.receivedAt,
    row.type ?? '?',
    `key=${row.key ?? '-'}`,
    `corr=${row.correlationId ?? '-'}`,
    row.source ?? '',
    consumers,
  ]
    .filter(Boolean)
    .join('  ')
    .concat(dead, invalid);
}

export const tail: Command = {
  words: ['tail'],
  summary: 'print the recent flow of messages, then follow new ones as they arrive',
  synopsis: '[--type TYPE] [--key KEY] [--limit N] [--count N] [--no-follow] [--json]',
  details: [
    '--limit N     recent messages to print first (default 20)',
    '--count N     stop after N new messages',
    '--no-follow   print the recent messages and stop',
    '--json        one JSON object per message and line',
  ],
  options: {
    type: { type: 'string' },
    key: { type: 'string' },
    limit: { type: 'string' },
    count: { type: 'string' },
    'no-follow': { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const type = flag(context, 'type');
    const key = flag(context, 'key');
    const limit = positiveInt(context, 'limit') ?? 20;
    const count = positiveInt(context, 'count');
    const follow = !context.values['no-follow'];
    const print = (row: FlowRow) => (context.config.json ? process.stdout.write(`${JSON.stringify(row)}\n`) : printLines(flowLine(row)));
    const matches = (row: FlowRow) =>
      (!type || row.type === type) && (!key || row.key === key || (row as { hostBodyKey?: string }).hostBodyKey === key);

    // Connect the stream first so nothing falls between the recent messages and the live ones; seq removes doubles.
    const abort = new AbortController();
    const live: FlowRow[] = [];
    let wake: (() => void) | undefined;
    let streamEnded: Promise<void> = Promise.resolve();
    if (follow) {
      let connected!: () => void;
      const ready = new Promise<void>((resolve) => (connected = resolve));
      streamEnded = context.console
        .stream(
          '/api/flow/stream',
          (data) => {
            live.push(data as FlowRow);
            wake?.();
          },
          abort.signal,
          connected,
        )
        .catch((err: unknown) => {
          if (!abort.signal.aborted) throw err;
        });
      await Promise.race([ready, streamEnded]);
    }

    const params = new URLSearchParams({ limit: String(limit) });
    if (type) params.set('type', type);
    if (key) params.set('key', key);
    const recent = await context.console.request<FlowRow[]>('GET', `/api/flow?${params}`).catch((err: unknown) => {
      abort.abort();
      throw err;
    });
    for (const row of [...recent].reverse()) print(row);
    if (!follow) return 0;

    let lastSeq = Math.max(0, ...recent.map((r) => r.seq));
    let printed = 0;
    process.stderr.write(
      `following ${context.config.consoleUrl}/api/flow/stream${count ? ` for ${count} new messages` : ''} (Ctrl-C stops)\n`,
    );
    let ended = false;
    streamEnded.then(
      () => ((ended = true), wake?.()),
      () => ((ended = true), wake?.()),
    );
    while (count === undefined || printed < count) {
      const row = live.shift();
      if (!row) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (row.seq <= lastSeq || !matches(row)) continue;
      lastSeq = row.seq;
      print(row);
      printed++;
    }
    abort.abort();
    await streamEnded;
    if (count !== undefined && printed < count)
      throw new CliError(`the stream of ${context.config.consoleUrl} ended after ${printed} of ${count} messages`, 1);
    return 0;
  },
};

export const journey: Command = {
  words: ['journey'],
  summary: 'what happened to a centre (host-body key, e.g. 05558) or a correlation id',
  synopsis: '<host-body key | correlation id> [--json]',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(context) {
    const [q] = context.positionals;
    const found = await context.console.request<Journey>('GET', `/api/journey?q=${encodeURIComponent(q)}`);
    if (context.config.json) return (printJson(found), 0);
    if (found.entries.length === 0) {
      printLines(`nothing known about ${q} in the console's window`);
      return 0;
    }
    printLines(`journey of ${q}${found.hostBodyKeys.length ? ` (host body ${found.hostBodyKeys.join(', ')})` : ''}`);
    printLines(
      table(
        ['time', 'step', 'what'],
        found.entries.map((e) => [
          e.time ?? '',
          e.deadLetteredBy ? `${e.step} FAILED` : e.step,
          e.deadLetteredBy
            ? `dead-lettered by ${e.deadLetteredBy} (${e.deadLetterReason ?? '?'}): ${germanAmounts(e.summary)}`
            : germanAmounts(e.summary),
        ]),
      ),
    );
    for (const m of found.missing) printLines(`missing: ${m.step} since ${m.waitingSince}${m.overdue ? ' — OVERDUE' : ''}`);
    return 0;
  },
};

export const lag: Command = {
  words: ['lag'],
  summary: 'consumer lag per group, topic and partition',
  synopsis: '[--json]',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(context) {
    const found = await context.console.request<{ partitions: PartitionLag[] }>('GET', '/api/consumers');
    if (context.config.json) return (printJson(found), 0);
    printLines(
      table(
        ['group', 'topic', 'partition', 'committed', 'end', 'lag', ''],
        found.partitions.map((p) => [p.group, p.topic, p.partition, p.committed, p.high, p.lag, p.stalled ? 'STALLED' : '']),
      ),
    );
    const total = new Map<string, number>();
    for (const p of found.partitions) total.set(p.group, (total.get(p.group) ?? 0) + p.lag);
    printLines([...total].map(([group, sum]) => `${group}: lag ${sum}`).join('\n'));
    return 0;
  },
};
