// Pure arithmetic of the load benchmarks: percentiles of latencies and whether a step of a rate
// search was sustained.

/** The p-th percentile (0 < p ≤ 100) by the nearest-rank method: a value that was measured. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(values: number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length === 0 ? NaN : Math.max(...values),
  };
}

export function formatSummary(name: string, s: LatencySummary): string {
  const ms = (v: number) => `${Math.round(v)} ms`.padStart(8);
  return `${name.padEnd(28)} n=${String(s.count).padEnd(6)} p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`;
}

/** One step of a rate search: what was offered and what came out. */
export interface StepResult {
  /** Openings per second offered. */
  rate: number;
  /** How many were started, and how many of those completed the whole flow before the step gave up waiting. */
  started: number;
  completed: number;
  /** Whole-flow latencies of the completed ones, in ms. */
  latencies: number[];
  /** Started minus completed, sampled at even intervals while the step offered load. */
  backlog: number[];
}

/** p99 must stay below this for a rate to count as sustained. */
export const SUSTAINED_P99_MS = 1000;

/**
 * Whether the system kept up with the step's rate: everything started completed, p99 stayed below
 * {@link SUSTAINED_P99_MS} and the backlog did not grow — its mean over the last third of the step
 * is at most the mean over the first third plus one second's worth of openings (openings in flight
 * are a backlog of their own, a queue that grows is not).
 */
export function sustained(step: StepResult): boolean {
  if (step.started === 0 || step.completed < step.started) return false;
  if (percentile(step.latencies, 99) >= SUSTAINED_P99_MS) return false;
  const third = Math.floor(step.backlog.length / 3);
  if (third === 0) return true;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean(step.backlog.slice(-third)) <= mean(step.backlog.slice(0, third)) + step.rate;
}

/** The highest rate of a search that stepped up until a step failed: the last sustained rate before it (0 if none). */
export function highestSustainedRate(steps: StepResult[]): number {
  let best = 0;
  for (const step of steps) {
    if (!sustained(step)) break;
    best = Math.max(best, step.rate);
  }
  return best;
}

/** The rates a search tries downwards, when `start` was not sustained: each `factor` times less than the one before, down to `min`. */
export function rateStepsDown(start: number, factor: number, min: number): number[] {
  const rates: number[] = [];
  for (let rate = Math.round(start / factor); rate >= min; rate = Math.round(rate / factor)) rates.push(rate);
  return rates;
}

/** The rates a search tries: from `start`, each `factor` times the one before, up to `max`. */
export function rateSteps(start: number, factor: number, max: number): number[] {
  const rates: number[] = [];
  for (let rate = start; rate <= max; rate = Math.round(rate * factor)) rates.push(rate);
  return rates;
}
