// Resident memory and CPU of a process from /proc (Linux): VmRSS of /proc/<pid>/status, and the
// user + system clock ticks of /proc/<pid>/stat over an interval; the same CPU for groups of
// processes found by their command lines (a database's PostgreSQL backends, the Kafka broker); and
// the busy ticks of all cores together from /proc/stat, to show how much of the machine was left.
import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100;

/** The file's text, or undefined once the process is gone (the bench then reports its exit). */
function procFile(pid: number, name: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

function cpuTicks(pid: number): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const stat = procFile(pid, 'stat');
  if (stat === undefined) return NaN;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/** Busy clock ticks of all cores together: user, nice, system, irq, softirq and steal of /proc/stat. */
function machineTicks(): number {
  const [user, nice, system, , , irq, softirq, steal] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** The name of the whole machine's line in a usage record. */
export const MACHINE = `all ${os.cpus().length} cores`;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(procFile(pid, 'status') ?? '');
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A process's id and its command line (a PostgreSQL process's title is one argument). */
export interface CommandLine {
  pid: number;
  args: string[];
}

/** Picks processes from the machine's command lines, read anew at each sample (backends start and end). */
export type ProcessGroup = (processes: CommandLine[]) => number[];

function commandLines(): CommandLine[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => ({ pid: Number(entry), args: (procFile(Number(entry), 'cmdline') ?? '').split('\0').filter(Boolean) }));
}

/** Whether a command line is PostgreSQL's: the server's, or a process title "postgres: …". */
export function isPostgres(args: string[]): boolean {
  return args[0] !== undefined && (args[0].startsWith('postgres:') || args[0].endsWith('/bin/postgres'));
}

/**
 * Whether PostgreSQL's process title names one of `databases`: a backend's "postgres: [cluster:]
 * <user> <database> <client> <state>", or an autovacuum worker's "… autovacuum worker <database>".
 */
export function isBackendOf(args: string[], databases: string[]): boolean {
  const words = args.join(' ').trim().split(/\s+/);
  return words[0] === 'postgres:' && databases.some((db) => words.slice(1).includes(db));
}

/** Whether a Kafka node's server.properties has a listener on `port`. */
export function listensOn(properties: string, port: number): boolean {
  return new RegExp(`^listeners=.*:${port}(,|\\s*$)`, 'm').test(properties);
}

/** The PostgreSQL backends (and autovacuum workers) of `databases`; none when the server runs elsewhere. */
export function postgresBackendsOf(databases: string[]): ProcessGroup {
  return (processes) => processes.filter(({ args }) => isPostgres(args) && isBackendOf(args, databases)).map(({ pid }) => pid);
}

/** PostgreSQL's processes other than the backends of `databases`: checkpointer, WAL writer, other databases. */
export function otherPostgresProcesses(databases: string[]): ProcessGroup {
  return (processes) => processes.filter(({ args }) => isPostgres(args) && !isBackendOf(args, databases)).map(({ pid }) => pid);
}

/** The Kafka node listening on `port` on this machine (its server.properties, the last argument, says so); none elsewhere. */
export function kafkaBroker(port: number): ProcessGroup {
  return (processes) =>
    processes
      .filter(({ args }) => args.includes('kafka.Kafka'))
      .filter(({ args }) => {
        try {
          return listensOn(fs.readFileSync(args[args.length - 1], 'utf8'), port);
        } catch {
          return false;
        }
      })
      .map(({ pid }) => pid);
}

/** CPU ticks of each process of each group, from one reading of the machine's command lines. */
function groupTicks(groups: Record<string, ProcessGroup>): Record<string, Map<number, number>> {
  const processes = Object.keys(groups).length > 0 ? commandLines() : [];
  return Object.fromEntries(
    Object.entries(groups).map(([name, group]) => [name, new Map(group(processes).map((pid) => [pid, cpuTicks(pid)] as const))]),
  );
}

export interface Usage {
  /** Highest VmRSS seen, in MB. */
  rssMb: number;
  /** CPU time over wall time, in % of one core. */
  cpuPercent: number;
}

/**
 * Samples the processes every second until `stop()` is called, then the groups' CPU (no memory:
 * PostgreSQL's processes share theirs), counting a process that started meanwhile from its start;
 * the record ends with the whole machine ({@link MACHINE}, no memory).
 */
export function sampleUsage(pids: Record<string, number>, groups: Record<string, ProcessGroup> = {}): { stop(): Record<string, Usage> } {
  const startedAt = performance.now();
  const machineAtStart = machineTicks();
  const ticks = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTicks(pid)]));
  const groupsAtStart = groupTicks(groups);
  const rss = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMb(pid)]));
  const timer = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) rss[name] = Math.max(rss[name], rssMb(pid));
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      const seconds = (performance.now() - startedAt) / 1000;
      const cpuPercent = (ticksNow: number, ticksThen: number) => ((ticksNow - ticksThen) / TICKS_PER_SECOND / seconds) * 100;
      return {
        ...Object.fromEntries(
          Object.entries(pids).map(([name, pid]) => [
            name,
            { rssMb: Math.max(rss[name], rssMb(pid)), cpuPercent: cpuPercent(cpuTicks(pid), ticks[name]) },
          ]),
        ),
        ...Object.fromEntries(
          Object.entries(groupTicks(groups)).map(([name, ticksNow]) => {
            let used = 0;
            for (const [pid, now] of ticksNow) if (Number.isFinite(now)) used += now - (groupsAtStart[name].get(pid) ?? 0);
            return [name, { rssMb: NaN, cpuPercent: cpuPercent(used, 0) }];
          }),
        ),
        [MACHINE]: { rssMb: NaN, cpuPercent: cpuPercent(machineTicks(), machineAtStart) },
      };
    },
  };
}

export function printUsage(label: string, usage: Record<string, Usage>): void {
  for (const [name, u] of Object.entries(usage))
    console.log(
      `resources ${label.padEnd(14)} ${name.padEnd(24)} rss ${Number.isNaN(u.rssMb) ? '   -' : u.rssMb.toFixed(0).padStart(4)} MB  cpu ${u.cpuPercent.toFixed(0).padStart(3)} %`,
    );
}
