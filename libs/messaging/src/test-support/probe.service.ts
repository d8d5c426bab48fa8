// A minimal service used by the messaging library's own integration tests and benchmark: it
// consumes centre-opened events into `probe_effects` (no unique key, so a second effect of one
// event would show), centre-closed events the same way through a batch handler, and opens
// centres over HTTP through the outbox.
import { Body, Controller, DynamicModule, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreClosedV1, CentreOpenedV1, EventTypes } from '@ki/contracts';
import { randomUUID } from 'node:crypto';
import { currentTrace, PlatformModule, serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';
import type { Logger } from 'pino';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { NonRetryableError } from '../errors';
import { BatchedEvent, KafkaBatchContext, KafkaEventContext } from '../event-context';
import { MessagingModule } from '../messaging.module';
import { messagingMigrations } from '../migrations';
import { Outbox } from '../outbox';
import type { ServiceDefinition } from '@ki/platform';

/** Host-body names that make the probe handler fail, to exercise retries and dead letters. */
export const ProbeFailures = {
  /** Fails every attempt with an ordinary (retryable) error. */
  always: 'FAIL-ALWAYS',
  /** Fails with a non-retryable error (as a host-body name or a closing's reason). */
  invalid: 'FAIL-INVALID',
  /** Fails until the `probe_switches` row `heal` exists. */
  untilHealed: 'FAIL-UNTIL-HEALED',
} as const;

/** Place that makes the handler publish a follow-up event (to test causation and tracing). */
export const FOLLOW_UP_PLACE = 'FOLLOW-UP';

/** Place that makes the HTTP use case fail after it added its event to the outbox: its transaction rolls back. */
export const ROLLBACK_PLACE = 'ROLL-BACK';

class ProbeTables1764000009000 implements MigrationInterface {
  name = 'ProbeTables1764000009000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE probe_effects (
      id bigserial PRIMARY KEY, event_id text NOT NULL, host_body_key text NOT NULL, ordinal int NOT NULL,
      correlation_id text NOT NULL, trace_id text, handled_at timestamptz NOT NULL DEFAULT now(), batch_call uuid)`);
    await q.query(`CREATE TABLE probe_state (centre_id uuid PRIMARY KEY, ordinal int NOT NULL)`);
    await q.query(`CREATE TABLE probe_switches (name text PRIMARY KEY)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE probe_effects, probe_state, probe_switches`);
  }
}

@Controller()
class ProbeKafkaController {
  constructor(@Inject(Outbox) private readonly outbox: Outbox) {}

  @EventPattern(EventTypes.CentreOpenedV1.type)
  async opened(@Payload() event: CentreOpenedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    const manager = ctx.getManager();
    if (event.hostBodyName === ProbeFailures.always) throw new Error('probe handler always fails for this centre');
    if (event.hostBodyName === ProbeFailures.invalid) throw new NonRetryableError('PROBE.INVALID', 'probe rejects this centre');
    if (event.hostBodyName === ProbeFailures.untilHealed) {
      const healed = await manager.query(`SELECT 1 FROM probe_switches WHERE name = 'heal'`);
      if (healed.length === 0) throw new Error('probe handler fails until healed');
    }
    const envelope = ctx.getEnvelope();
    await manager.query(
      `INSERT INTO probe_effects (event_id, host_body_key, ordinal, correlation_id, trace_id) VALUES ($1, $2, $3, $4, $5)`,
      [envelope.id, event.hostBodyKey, event.ordinal, envelope.correlationId, currentTrace()?.traceparent.split('-')[1] ?? null],
    );
    if (event.place === FOLLOW_UP_PLACE) {
      await this.outbox.add(manager, EventTypes.CentreOpenedV1, { ...event, place: 'followed up', ordinal: event.ordinal + 1 });
    }
  }

  /** Records each closing with the call that handled it (`batch_call`) and its place in that call (`ordinal`). */
  @EventPattern(EventTypes.CentreClosedV1.type, { batch: true })
  async closed(@Payload() events: BatchedEvent<CentreClosedV1>[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    const manager = ctx.getManager();
    const rejected = events.find((e) => e.payload.reason === ProbeFailures.invalid);
    if (rejected) throw new NonRetryableError('PROBE.INVALID', `probe rejects the closing ${rejected.envelope.id}`);
    const call = randomUUID();
    for (const [i, { payload, envelope, inTrace }] of events.entries())
      await inTrace(() =>
        manager.query(
          `INSERT INTO probe_effects (event_id, host_body_key, ordinal, correlation_id, trace_id, batch_call) VALUES ($1, $2, $3, $4, $5, $6)`,
          [envelope.id, payload.hostBodyKey, i, envelope.correlationId, currentTrace()?.traceparent.split('-')[1] ?? null, call],
        ),
      );
  }
}

@Controller('probe')
class ProbeHttpController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
  ) {}

  /** Changes state and records the event in one transaction, like a real use case. */
  @Post('open')
  @HttpCode(202)
  async open(@Body() body: CentreOpenedV1): Promise<{ eventId: string }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO probe_state (centre_id, ordinal) VALUES ($1, $2)`, [body.centreId, body.ordinal]);
      const envelope = await this.outbox.add(manager, EventTypes.CentreOpenedV1, body);
      if (body.place === ROLLBACK_PLACE) throw new Error(`probe rolls back the opening with event ${envelope.id}`);
      return { eventId: envelope.id };
    });
  }
}

@Module({})
class ProbeModule {
  static forRoot(config: ServiceConfig, logger: Logger, groups: string[], chunkSize?: number): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [], migrations: [...messagingMigrations, ProbeTables1764000009000] }),
        MessagingModule.forRoot({ consumerGroups: groups, chunkSize }),
      ],
      controllers: [ProbeKafkaController, ProbeHttpController],
    };
  }
}

/** The probe as a service definition, consuming in consumer group `group` (in chunks of `chunkSize` messages). */
export function probeService(group = 'probe', chunkSize?: number): ServiceDefinition {
  return {
    loadConfig: (env) => serviceConfig({ service: 'probe', port: 3999, database: 'ki_probe' }, validateEnv(ServiceEnv, env)),
    rootModule: (config, logger) => ProbeModule.forRoot(config, logger, [group], chunkSize),
    docs: { title: 'messaging probe', description: 'Test service of libs/messaging' },
  };
}
