import { CliError, usageError } from '../errors';
import { Command, CommandContext, flag } from '../command';
import { printJson, printLines, table } from '../format';

// The parts of the console's API answers that `ki` prints; a tool reads them over HTTP and imports no app.
interface MessageSummary {
  topic: string;
  partition: number;
  offset: string;
  receivedAt: string;
  type?: string;
  id?: string;
  key: string | null;
  hostBodyKey?: string;
  correlationId?: string;
  source?: string;
  size: number;
  invalid?: string;
  deadLetter?: { consumerGroup: string; errorCode: string };
}

interface SearchPage {
  messages: MessageSummary[];
  nextCursor?: string;
}

interface MessageDetail extends MessageSummary {
  causationId?: string;
  time?: string;
  payload: unknown;
  headers: Record<string, string>;
}

/** Flag of `ki search` → query parameter of GET /api/messages. */
const FILTERS: [flag: string, param: string][] = [
  ['key', 'key'],
  ['host-body-key', 'hostBodyKey'],
  ['correlation-id', 'correlationId'],
  ['event-id', 'eventId'],
  ['type', 'type'],
  ['topic', 'topic'],
  ['partition', 'partition'],
  ['offset', 'offset'],
  ['from', 'from'],
  ['to', 'to'],
  ['limit', 'limit'],
  ['cursor', 'cursor'],
];

/** The console refused the query (400): the input is wrong, so exit 2 with its field errors and the usage. */
async function asInput<T>(context: CommandContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CliError && err.status === 400) throw usageError(err.message, context.usage);
    throw err;
  }
}

export const search: Command = {
  words: ['search'],
  summary: 'search every message the console has indexed, newest first, a page at a time',
  synopsis:
    '[--key K] [--host-body-key K] [--correlation-id ID] [--event-id ID] [--type T] [--topic T [--partition P [--offset O]]] [--from ISO] [--to ISO] [--limit N] [--cursor C] [--json]',
  details: [
    '--from, --to   Kafka time range, ISO 8601 (from inclusive, to exclusive)',
    '--limit N      messages per page (default 50, at most 500)',
    '--cursor C     the next page: the cursor printed under the page before',
  ],
  options: Object.fromEntries(FILTERS.map(([name]) => [name, { type: 'string' as const }])),
  positionals: { min: 0, max: 0 },
  async run(context) {
    const params = new URLSearchParams();
    for (const [name, param] of FILTERS) {
      const value = flag(context, name);
      if (value !== undefined) params.set(param, value);
    }
    const page = await asInput(context, () =>
      context.console.request<SearchPage>('GET', `/api/messages${params.size ? `?${params}` : ''}`),
    );
    if (context.config.json) return (printJson(page), 0);
    if (page.messages.length === 0) return (printLines('no messages'), 0);
    printLines(
      table(
        ['time', 'topic', 'partition', 'offset', 'type', 'key', 'host body', 'correlation id', 'bytes', ''],
        page.messages.map((m) => [
          m.receivedAt,
          m.topic,
          m.partition,
          m.offset,
          m.type,
          m.key,
          m.hostBodyKey,
          m.correlationId,
          m.size,
          m.deadLetter ? `dead letter of ${m.deadLetter.consumerGroup} (${m.deadLetter.errorCode})` : m.invalid ? 'INVALID' : '',
        ]),
      ),
    );
    if (page.nextCursor) printLines(`more: ki search … --cursor ${page.nextCursor}`);
    return 0;
  },
};

export const searchShow: Command = {
  words: ['search', 'show'],
  summary: 'one message whole: envelope, payload and headers (personal data masked unless the key may reveal it)',
  synopsis: '<topic> <partition> <offset> [--json]',
  options: {},
  positionals: { min: 3, max: 3 },
  async run(context) {
    const [topic, partition, offset] = context.positionals;
    if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset))
      throw usageError(`partition and offset must be whole numbers, got "${partition}" "${offset}"`, context.usage);
    const message = await asInput(context, () =>
      context.console.request<MessageDetail>('GET', `/api/messages/${encodeURIComponent(topic)}/${partition}/${offset}`),
    );
    if (context.config.json) return (printJson(message), 0);
    printLines(
      table(
        ['', ''],
        [
          ['at', `${message.topic} partition ${message.partition} offset ${message.offset}`],
          ['time', message.receivedAt],
          ['type', message.type],
          ['event id', message.id],
          ['key', message.key],
          ['host body', message.hostBodyKey],
          ['correlation id', message.correlationId],
          ['causation id', message.causationId],
          ['producer', message.source],
          ['bytes', message.size],
          ...(message.invalid ? [['invalid', message.invalid]] : []),
        ],
      ).replace(/^\s*\n/, ''),
    );
    printLines(`payload:\n${JSON.stringify(message.payload, null, 2)}`);
    printLines(`headers:\n${table(['', ''], Object.entries(message.headers)).replace(/^\s*\n/, '')}`);
    return 0;
  },
};
