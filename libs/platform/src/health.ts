import { Controller, Get, Inject, Injectable, Module, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { KafkaHealthIndicator } from './kafka-health';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from './api-keys';

/** Nest injection token: whether /health pings the service's database (false for a service without one). */
export const HEALTH_CHECKS_DATABASE = Symbol('HEALTH_CHECKS_DATABASE');

/** A named check other modules add to /health (e.g. consumer progress). */
export type ExtraHealthCheck = () => Promise<HealthIndicatorResult>;

/** Collects the checks of /health beyond database and broker. */
@Injectable()
export class HealthChecks {
  readonly extra: ExtraHealthCheck[] = [];

  add(check: ExtraHealthCheck): void {
    this.extra.push(check);
  }
}

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly checks: HealthChecks,
    @Optional() @Inject(HEALTH_CHECKS_DATABASE) private readonly checksDatabase = true,
  ) {}

  /** 200 when the database (if the service has one) and the broker answer (and every added check is up), else 503 naming the failing part. */
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database, Kafka broker and message consumers' })
  check() {
    return this.health.check([
      ...(this.checksDatabase === false ? [] : [() => this.database.pingCheck('database', { timeout: 2000 })]),
      () => this.kafka.check('kafka'),
      ...this.checks.extra,
    ]);
  }

  /** 200 while the process runs; for liveness probes that must not depend on other systems. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is running' })
  live() {
    return { status: 'ok' };
  }
}

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0, logger: false })],
  controllers: [HealthController],
  providers: [KafkaHealthIndicator, HealthChecks],
  exports: [HealthChecks],
})
export class HealthModule {}
