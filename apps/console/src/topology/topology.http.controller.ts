import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole, SERVICE_CONFIG } from '@ki/platform';
import { ConsoleConfig, ConsoleRoles } from '../config';
import { IndexQueries } from '../message-index/index-queries';
import { FlowSampler, RATE_PERIOD_MS } from './flow-sampler';
import { buildTopology, recentFlow } from './topology';

/** Dead letters of this recent past turn a consumer's arrow red. */
const FAILING_PERIOD_MS = 5 * 60_000;

@ApiTags('topology')
@ApiSecurity('api-key')
@Controller('api/topology')
export class TopologyHttpController {
  constructor(
    private readonly sampler: FlowSampler,
    private readonly index: IndexQueries,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({
    summary:
      'Services, topics and consumer groups with current rates (per minute) and lag, stalled or failing consumers flagged, and rate and lag over the last 15 minutes',
  })
  async topology() {
    const now = new Date();
    const sample = await this.sampler.latest(now);
    const { topicPrefix } = this.config.kafka;
    const since = (periodMs: number) => new Date(now.getTime() - periodMs);
    const rates = recentFlow(await this.index.countsSince(since(RATE_PERIOD_MS)), RATE_PERIOD_MS, topicPrefix);
    const failures = recentFlow(await this.index.countsSince(since(FAILING_PERIOD_MS)), FAILING_PERIOD_MS, topicPrefix).deadLettered;
    const picture = buildTopology({ produced: rates.produced, deadLettered: failures }, sample.positions);
    return {
      at: sample.at,
      ratePeriodSeconds: RATE_PERIOD_MS / 1000,
      ...picture,
      history: this.sampler.history().map(({ at, topics, groups }) => ({ at, topics, groups })),
    };
  }
}
