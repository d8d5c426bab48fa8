// End-to-end load of `npm run bench`: openings at a fixed rate through the registry's API with the
// real funding-ledger, notifications and a webhook receiver as separate processes, then a search
// for the highest rate the system sustains; the same for a bare kafkajs + PostgreSQL pipeline, and
// the ratios of the two. BENCH_ONLY=e2e or BENCH_ONLY=bare runs one side alone (no ratios then).
import 'reflect-metadata';
import { createTestDatabase } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { startBarePipeline } from './e2e/bare-pipeline';
import { Pipeline, printStep, runStep, StepReport } from './e2e/load';
import { kafkaBroker, otherPostgresProcesses, postgresBackendsOf, printUsage, sampleUsage, Usage } from './e2e/resources';
import { hopLines, MetricsScrape, scrapeMetrics, ServiceEndpoint } from './e2e/service-hops';
import { startBenchSystem } from './e2e/system';
import { highestSustainedRate, percentile, rateSteps, rateStepsDown, sustained } from './latency';

const RATE = Number(process.env.BENCH_E2E_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
/** Each step of the rate search offers its rate this long. */
const STEP_SECONDS = Number(process.env.BENCH_E2E_STEP_SECONDS ?? 10);
const MAX_RATE = Number(process.env.BENCH_E2E_MAX_RATE ?? 2000);
/** Openings at the fixed rate before it is measured (not counted): compiled code paths, warm pools and caches, as in service. */
const WARMUP_SECONDS = Number(process.env.BENCH_E2E_WARMUP_SECONDS ?? 10);
const STEPS = rateSteps(RATE, 1.5, MAX_RATE).slice(1);
/** Where the fixed rate is not sustained, the search goes down instead, to this rate at least. */
const MIN_RATE = Number(process.env.BENCH_E2E_MIN_RATE ?? 5);
const STEPS_DOWN = rateStepsDown(RATE, 1.5, MIN_RATE);
const brokers = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const only = (process.env.BENCH_ONLY ?? 'e2e,bare').split(',');
const run = randomUUID().slice(0, 8);

/** Milliseconds rounded, or n/a when nothing completed. */
const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : String(Math.round(value)));

const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

interface Measured {
  /** p99 of opening → webhook received, and of opening → announcement, at the fixed rate. */
  p99: number;
  announcementP99: number;
  rate: number;
}

/**
 * The fixed-rate run, then steps up until one is not sustained (or, when the fixed rate was not,
 * down until one is); the pipeline's processes, the bench's own (the load, the readers of the
 * topics and, for the bare pipeline, the pipeline itself) and the whole machine are sampled for
 * memory and CPU, the PostgreSQL backends of each of its databases, PostgreSQL's other processes
 * and the broker for CPU, and the fixed-rate run is split hop by hop from the histograms of `services`.
 */
async function measure(pipeline: Pipeline, services: ServiceEndpoint[] = []): Promise<Measured> {
  const pids = { ...pipeline.processes, bench: process.pid };
  // Where the rest of the machine goes: each database's backends, PostgreSQL's other processes, the broker.
  const groups = {
    ...Object.fromEntries(Object.entries(pipeline.databases).map(([label, name]) => [`postgres ${label}`, postgresBackendsOf([name])])),
    'postgres other': otherPostgresProcesses(Object.values(pipeline.databases)),
    'kafka broker': kafkaBroker(Number(brokers[0].split(':').pop())),
  };
  const sample = () => sampleUsage(pids, groups);
  console.log(`\n-- ${pipeline.name}: ${RATE} openings/s for ${SECONDS} s (${load()})`);
  const idle = sample();
  await new Promise((r) => setTimeout(r, 5000));
  const idleUsage = idle.stop();
  if (WARMUP_SECONDS > 0) {
    const warmup = await runStep(pipeline, RATE, WARMUP_SECONDS);
    console.log(`${pipeline.name}: warm-up of ${warmup.latencies.length} openings at ${RATE}/s for ${WARMUP_SECONDS} s, not counted`);
  }
  const atRate = sample();
  // Scraped once the centres are registered: the hops of the openings alone.
  let metricsBefore: MetricsScrape = new Map();
  const first = await runStep(pipeline, RATE, SECONDS, {
    whenPrepared: async () => {
      metricsBefore = await scrapeMetrics(services);
    },
  });
  const usageByRate = new Map<number, Record<string, Usage>>([[RATE, atRate.stop()]]);
  printStep(pipeline.name, first, SECONDS);
  if (services.length > 0) {
    console.log(`  inside the services at ${RATE}/s (their histograms on /metrics; p50 and p99 estimated from the buckets):`);
    for (const line of hopLines(metricsBefore, await scrapeMetrics(services))) console.log(`    ${line}`);
  }
  const step = async (rate: number) => {
    const sampler = sample();
    const report = await runStep(pipeline, rate, STEP_SECONDS);
    usageByRate.set(rate, sampler.stop());
    printStep(pipeline.name, report, STEP_SECONDS);
    return report;
  };
  let best: number;
  if (sustained(first)) {
    const steps: StepReport[] = [first];
    for (const rate of STEPS) {
      if (!sustained(steps[steps.length - 1])) break;
      steps.push(await step(rate));
    }
    best = highestSustainedRate(steps);
  } else {
    // Not even the fixed rate: the first lower rate that is sustained, so the ratio compares rates, not a zero.
    best = 0;
    for (const rate of STEPS_DOWN) {
      if (sustained(await step(rate))) {
        best = rate;
        break;
      }
    }
  }
  console.log(`${pipeline.name}: highest sustained rate ${best}/s (p99 < 1 s, no growing backlog; ${load()})`);
  printUsage('idle', idleUsage);
  printUsage(`at ${RATE}/s`, usageByRate.get(RATE) ?? {});
  if (best > 0 && best !== RATE) printUsage(`at ${best}/s`, usageByRate.get(best) ?? {});
  return { p99: percentile(first.latencies, 99), announcementP99: percentile(first.hops.announcement, 99), rate: best };
}

async function main(): Promise<void> {
  let ours: Measured | undefined;
  let bare: Measured | undefined;
  if (only.includes('e2e')) {
    // Enough for the fixed rate and whichever search follows it, up or down.
    const openingsOf = (rates: number[]) => rates.reduce((sum, rate) => sum + rate * STEP_SECONDS, 0);
    const hostBodies = Math.min(47_700, RATE * (WARMUP_SECONDS + SECONDS) + Math.max(openingsOf(STEPS), openingsOf(STEPS_DOWN)));
    const system = await startBenchSystem(brokers, run, hostBodies);
    try {
      ours = await measure(system, system.services);
      system.assertRunning();
      console.log(`e2e-p99-ms ${ms(ours.p99)}`);
      console.log(`e2e-announcement-p99-ms ${ms(ours.announcementP99)}   (target < 250)`);
      console.log(`e2e-sustained-rate ${ours.rate}`);
    } finally {
      await system.close();
    }
  }
  if (only.includes('bare')) {
    const database = await createTestDatabase('bench_bare');
    try {
      const pipeline = await startBarePipeline(brokers, database.url, run);
      try {
        bare = await measure(pipeline);
        console.log(`bare-p99-ms ${ms(bare.p99)}`);
        console.log(`bare-sustained-rate ${bare.rate}`);
      } finally {
        await pipeline.close();
      }
    } finally {
      await database.drop();
    }
  }
  if (ours && bare) {
    console.log(`\nratio e2e-p99-bare-vs-ours ${(bare.p99 / ours.p99).toFixed(2)}   (target >= 0.33)`);
    console.log(
      `ratio e2e-rate-vs-bare ${bare.rate > 0 ? (ours.rate / bare.rate).toFixed(2) : 'n/a (the bare pipeline sustained no rate)'}   (target >= 0.5)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
