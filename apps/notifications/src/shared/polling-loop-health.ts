import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthChecks } from '@ki/platform';
import type { PollingLoop } from './polling-loop';

/** Adds a polling loop to /health: down, naming the cause, while its rounds fail. */
export function reportLoopHealth(checks: HealthChecks, indicators: HealthIndicatorService, key: string, loop: PollingLoop): void {
  checks.add(async () => {
    const session = indicators.check(key);
    return loop.problem ? session.down({ message: loop.problem }) : session.up();
  });
}
