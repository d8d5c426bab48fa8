import { usageError } from '../errors';
import { Command, CommandContext, flag } from '../command';
import { printJson, printLines, table } from '../format';

// The parts of the console's API answers that `ki` prints; a tool reads them over HTTP and imports no app.
interface ClusterGroup {
  groupId: string;
  ours: boolean;
  state: string;
  members: { clientId: string; clientHost: string; assignment: Record<string, number[]> }[];
  partitions: { topic: string; partition: number; committed: string; high: string; lag: number }[];
  totalLag: number;
}

interface ResetResult {
  groupId: string;
  dryRun: boolean;
  moves: { topic: string; partition: number; from: string; to: string }[];
}

/** `--to earliest|latest|<offset>|<ISO time>` as the body of POST /api/groups/{group}/reset. */
export function resetTarget(to: string | undefined, usage: string): Record<string, string> {
  if (!to) throw usageError('--to is required: earliest, latest, an offset or a time (ISO 8601)', usage);
  if (to === 'earliest' || to === 'latest') return { to };
  if (/^\d+$/.test(to)) return { to: 'offset', offset: to };
  if (!Number.isNaN(Date.parse(to)) && /^\d{4}-\d{2}-\d{2}/.test(to)) return { to: 'timestamp', timestamp: new Date(to).toISOString() };
  throw usageError(`--to must be earliest, latest, an offset or a time (ISO 8601), got "${to}"`, usage);
}

export const groups: Command = {
  words: ['groups'],
  summary: 'every consumer group on the cluster, ours and others: state, members and lag',
  synopsis: '[--json]',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { groups: found } = await context.console.request<{ groups: ClusterGroup[] }>('GET', '/api/groups');
    if (context.config.json) return (printJson(found), 0);
    if (found.length === 0) return (printLines('no consumer groups'), 0);
    printLines(
      table(
        ['group', 'whose', 'state', 'members', 'lag', 'partitions (committed/end)'],
        found.map((g) => [
          g.groupId,
          g.ours ? 'ours' : 'other',
          g.state,
          g.members.map((m) => `${m.clientId}@${m.clientHost}`).join(' ') || '-',
          g.totalLag,
          g.partitions.map((p) => `${p.topic}[${p.partition}] ${p.committed}/${p.high}`).join(' '),
        ]),
      ),
    );
    return 0;
  },
};

export const groupReset: Command = {
  words: ['groups', 'reset'],
  summary: 'move the committed offsets of an empty consumer group (--dry-run shows current → new first)',
  synopsis: '<group> --to earliest|latest|OFFSET|TIME --reason TEXT [--topic TOPIC]... [--dry-run] [--json]',
  details: [
    '--to earliest|latest   the start or the end of every partition',
    '--to 42                that offset on every partition (it must lie inside each one)',
    '--to 2026-11-30T08:00Z the first message at or after that time',
    '--topic TOPIC          only this topic (repeatable); every topic the group committed on otherwise',
    '--dry-run              show the moves and change nothing',
    'needs a key with console:admin; the group must have no members (exit 1 otherwise)',
  ],
  options: {
    to: { type: 'string' },
    reason: { type: 'string' },
    topic: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(context: CommandContext) {
    const [group] = context.positionals;
    const reason = flag(context, 'reason');
    if (!reason?.trim()) throw usageError('--reason is required: say why the offsets move', context.usage);
    const topics = context.values.topic as unknown as string[] | undefined;
    const dryRun = context.values['dry-run'] === true;
    const result = await context.console.request<ResetResult>('POST', `/api/groups/${encodeURIComponent(group)}/reset`, {
      ...resetTarget(flag(context, 'to'), context.usage),
      reason,
      dryRun,
      ...(topics?.length ? { topics } : {}),
    });
    if (context.config.json) return (printJson(result), 0);
    printLines(
      `${dryRun ? 'dry run, nothing changed: ' : ''}${result.groupId}, ${result.moves.length} partition(s) ${dryRun ? 'would move' : 'moved'}\n` +
        table(
          ['topic', 'partition', 'current', 'new'],
          result.moves.map((m) => [m.topic, m.partition, m.from, m.to]),
        ),
    );
    return 0;
  },
};
