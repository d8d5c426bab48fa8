// Resident memory and CPU of a process from /proc (Linux): VmRSS of /proc/<pid>/status, and the
// user + system clock ticks of /proc/<pid>/stat over an interval; and the busy ticks of all cores
// together from /proc/stat, to show how much of the machine was left.
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

export interface Usage {
  /** Highest VmRSS seen, in MB. */
  rssMb: number;
  /** CPU time over wall time, in % of one core. */
  cpuPercent: number;
}

/** Samples the processes every second until `stop()` is called; the record ends with the whole machine ({@link MACHINE}, no memory). */
export function sampleUsage(pids: Record<string, number>): { stop(): Record<string, Usage> } {
  const startedAt = performance.now();
  const machineAtStart = machineTicks();
  const ticks = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTicks(pid)]));
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
        [MACHINE]: { rssMb: NaN, cpuPercent: cpuPercent(machineTicks(), machineAtStart) },
      };
    },
  };
}

export function printUsage(label: string, usage: Record<string, Usage>): void {
  for (const [name, u] of Object.entries(usage))
    console.log(
      `resources ${label.padEnd(14)} ${name.padEnd(16)} rss ${Number.isNaN(u.rssMb) ? '   -' : u.rssMb.toFixed(0).padStart(4)} MB  cpu ${u.cpuPercent.toFixed(0).padStart(3)} %`,
    );
}
