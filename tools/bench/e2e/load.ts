// Open-loop load of openings at a fixed rate, for the real system and the bare pipeline alike:
// each opening is timed from the moment it was due (not from when the client got round to it), so
// a slow system cannot hide its queue by slowing the client down.
import { formatSummary, StepResult, summarise } from '../latency';

/** When each hop of one opening was seen, in epoch ms (the clocks of one machine). */
export interface OpeningTimes {
  due: number;
  /** The centre-opened event left the registry (or the bare opening's event was sent). */
  opened?: number;
  funding?: number;
  announcement?: number;
  webhook?: number;
}

/** A pipeline under load: it prepares openings, starts one, and reports hop times by opening id. */
export interface Pipeline {
  name: string;
  /** Makes `count` openings ready to start (e.g. registers the centres); returns their ids. */
  prepare(count: number): Promise<string[]>;
  /** Starts one opening; rejects when the start failed (the opening then never completes). */
  open(id: string): Promise<void>;
  times: Map<string, OpeningTimes>;
  /** Processes of the pipeline besides the bench's own, by name, sampled for memory and CPU. */
  processes: Record<string, number>;
  /** The pipeline's PostgreSQL databases by what they serve; their backends are sampled for CPU. */
  databases: Record<string, string>;
}

export const HOPS = ['opened', 'funding', 'announcement', 'webhook'] as const;

/** What a step measured: latencies of each hop from the due time, and the step verdict's inputs. */
export interface StepReport extends StepResult {
  hops: Record<(typeof HOPS)[number], number[]>;
  failedStarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Offers `rate` openings per second for `seconds`, then waits up to `drainMs` for the last ones to
 * complete; `whenPrepared` runs once the openings are ready, before the first one starts.
 */
export async function runStep(
  pipeline: Pipeline,
  rate: number,
  seconds: number,
  { drainMs = 10_000, whenPrepared }: { drainMs?: number; whenPrepared?: () => Promise<void> } = {},
): Promise<StepReport> {
  const ids = await pipeline.prepare(Math.round(rate * seconds));
  await whenPrepared?.();
  const done = (id: string) => pipeline.times.get(id)?.webhook !== undefined;
  let started = 0;
  let failedStarts = 0;
  const backlog: number[] = [];
  const t0 = Date.now() + 100;
  const sampler = setInterval(() => backlog.push(started - ids.slice(0, started).filter(done).length), 250);
  for (const [i, id] of ids.entries()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    pipeline.times.set(id, { due });
    started++;
    pipeline.open(id).catch((err: Error) => {
      failedStarts++;
      if (failedStarts <= 3) console.error(`${pipeline.name}: opening ${id} failed: ${err.message}`);
    });
  }
  clearInterval(sampler);
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline && !ids.every(done)) await sleep(50);
  const times = ids.map((id) => pipeline.times.get(id) as OpeningTimes);
  const after = (hop: (typeof HOPS)[number]) =>
    times.filter((t) => t[hop] !== undefined).map((t) => Math.max(0, (t[hop] as number) - t.due));
  const hops = { opened: after('opened'), funding: after('funding'), announcement: after('announcement'), webhook: after('webhook') };
  return { rate, started, completed: hops.webhook.length, latencies: hops.webhook, backlog, hops, failedStarts };
}

export function printStep(pipeline: string, step: StepReport, seconds: number): void {
  console.log(
    `${pipeline} at ${step.rate}/s for ${seconds} s: ${step.completed} of ${step.started} completed${step.failedStarts ? `, ${step.failedStarts} failed to start` : ''}`,
  );
  for (const hop of HOPS) console.log(`  ${formatSummary(`opening -> ${hop}`, summarise(step.hops[hop]))}`);
}
