import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import type { ConsoleConfig } from '../config';
import { ConsumerLag, PartitionLag } from '../consumers/consumer-lag';
import { IndexQueries } from '../message-index/index-queries';
import { GroupOnTopic, recentFlow } from './topology';

/** How long the rate and lag pictures look back. */
export const HISTORY_MS = 15 * 60_000;
/** Rates are counted over this last stretch of time. */
export const RATE_PERIOD_MS = 60_000;

/** One sample: messages per minute per topic, and lag and commit rate per consumer group. */
export interface FlowSample {
  at: string;
  topics: Record<string, { ratePerMinute: number }>;
  groups: Record<string, { lag: number; ratePerMinute: number }>;
  /** Each group's position per topic, for the topology's arrows. */
  positions: GroupOnTopic[];
}

function committedSum(lags: PartitionLag[], group: string, topic: string): number {
  return lags
    .filter((l) => l.group === group && l.topic === topic && Number(l.committed) >= 0)
    .reduce((sum, l) => sum + Number(l.committed), 0);
}

/**
 * Samples rates (counted in the index) and lag (from the broker) every CONSOLE_SAMPLE_INTERVAL_MS
 * and keeps the last 15 minutes in memory: each console instance draws its own charts.
 */
@Injectable()
export class FlowSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FlowSampler.name);
  private readonly samples: FlowSample[] = [];
  /** Committed offsets of the last rate period, oldest first. */
  private readonly committed: { at: number; lags: PartitionLag[] }[] = [];
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<FlowSample>;

  constructor(
    private readonly index: IndexQueries,
    private readonly lag: ConsumerLag,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => this.sample().catch((err: Error) => this.logger.warn(`rate and lag sample failed: ${err.message}`)),
      this.config.sampleIntervalMs,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The samples of the last 15 minutes, oldest first. */
  history(): readonly FlowSample[] {
    return this.samples;
  }

  /** The newest sample, taken now when there is none yet or it is older than one interval. */
  async latest(now = new Date()): Promise<FlowSample> {
    const last = this.samples.at(-1);
    if (last && now.getTime() - Date.parse(last.at) <= this.config.sampleIntervalMs) return last;
    return this.sample(now);
  }

  /** Takes one sample (one at a time: a caller arriving during a sample gets the same one). */
  sample(now = new Date()): Promise<FlowSample> {
    this.sampling ??= this.take(now).finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async take(now: Date): Promise<FlowSample> {
    const [lags, counts] = await Promise.all([this.lag.snapshot(now), this.index.countsSince(new Date(now.getTime() - RATE_PERIOD_MS))]);
    const recent = recentFlow(counts, RATE_PERIOD_MS, this.config.kafka.topicPrefix);
    const topics: FlowSample['topics'] = {};
    for (const [key, rate] of recent.produced) {
      const topic = key.split('|')[0];
      topics[topic] = { ratePerMinute: Math.round(((topics[topic]?.ratePerMinute ?? 0) + rate) * 100) / 100 };
    }
    const positions: GroupOnTopic[] = [];
    // The commit rate over the rate period: against the oldest committed offsets taken within it.
    const base = this.committed.find((c) => now.getTime() - c.at <= RATE_PERIOD_MS);
    for (const pair of new Set(lags.map((l) => `${l.group}|${l.topic}`))) {
      const [group, topic] = pair.split('|');
      const mine = lags.filter((l) => l.group === group && l.topic === topic);
      const elapsed = base ? now.getTime() - base.at : 0;
      const moved = base ? committedSum(lags, group, topic) - committedSum(base.lags, group, topic) : 0;
      positions.push({
        group,
        topic,
        lag: mine.reduce((sum, l) => sum + l.lag, 0),
        stalled: mine.some((l) => l.stalled),
        ratePerMinute: elapsed > 0 ? Math.max(0, Math.round((moved / elapsed) * 60_000 * 100) / 100) : 0,
      });
    }
    const groups: FlowSample['groups'] = {};
    for (const p of positions) {
      const g = (groups[p.group] ??= { lag: 0, ratePerMinute: 0 });
      g.lag += p.lag;
      g.ratePerMinute = Math.round((g.ratePerMinute + p.ratePerMinute) * 100) / 100;
    }
    this.committed.push({ at: now.getTime(), lags });
    while (this.committed.length && now.getTime() - this.committed[0].at > RATE_PERIOD_MS) this.committed.shift();
    const sample: FlowSample = { at: now.toISOString(), topics, groups, positions };
    this.samples.push(sample);
    while (this.samples.length && now.getTime() - Date.parse(this.samples[0].at) > HISTORY_MS) this.samples.shift();
    return sample;
  }
}
