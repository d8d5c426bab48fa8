import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { AsyncApiController } from './asyncapi.controller';
import { ServiceConfig } from './config';
import { HEALTH_CHECKS_DATABASE, HealthModule } from './health';
import { createKafkaClient, KAFKA_CLIENT, KAFKA_SECURITY } from './kafka-client';
import { requestId } from './logging';
import { runMigrationsLocked } from './migrations';
import { PinoTypeOrmLogger } from './typeorm-logger';
import { createMetricsRegistry, METRICS_REGISTRY, MetricsController } from './metrics';

/** Nest injection token of the validated {@link ServiceConfig}. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

export interface PlatformOptions {
  config: ServiceConfig;
  logger: Logger;
  /** TypeORM entity classes of the service. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  /** TypeORM migration classes of the service, run at start-up before anything else touches the database. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** False for a service without a database of its own (no TypeORM, /health checks no database); true by default. */
  database?: boolean;
}

/**
 * What every service needs: configuration, structured logging, its PostgreSQL database
 * (schema from migrations only), its Kafka client, /health and /metrics, and a rate limit per
 * client address on every HTTP endpoint but /health.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, logger } = options;
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: (req, res) => {
              const id = requestId(req);
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
          },
        }),
        ...(options.database === false ? [] : [typeOrm(options)]),
        // Per client address and instance, in memory: it slows down a flood, it is no quota.
        ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: config.http.rateLimitPerMinute }] }),
        HealthModule,
      ],
      controllers: [MetricsController, AsyncApiController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(config.service) },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: KAFKA_CLIENT, useFactory: () => createKafkaClient(config, logger) },
        { provide: KAFKA_SECURITY, useValue: config.kafka.security },
        { provide: HEALTH_CHECKS_DATABASE, useValue: options.database !== false },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
      ],
      exports: [SERVICE_CONFIG, KAFKA_CLIENT, KAFKA_SECURITY, METRICS_REGISTRY, HEALTH_CHECKS_DATABASE, HealthModule],
    };
  }
}

function typeOrm(options: PlatformOptions): DynamicModule {
  const { config, logger } = options;
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres' as const,
      url: config.databaseUrl,
      entities: options.entities,
      migrations: options.migrations,
      synchronize: false,
      logger: new PinoTypeOrmLogger(logger),
      maxQueryExecutionTime: 2000,
      retryAttempts: 10,
      retryDelay: 2000,
      // A missing database or a failed login is configuration, not an outage: fail at once.
      toRetry: (err: { code?: string }) => !['3D000', '28000', '28P01'].includes(err.code ?? ''),
      extra: { max: 10, connectionTimeoutMillis: 3000 },
    }),
    // Migrations run at start-up, before anything else touches the database, under an advisory lock.
    dataSourceFactory: async (dataSourceOptions) => {
      const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
      try {
        await runMigrationsLocked(dataSource);
      } catch (err) {
        await dataSource.destroy();
        throw err;
      }
      return dataSource;
    },
  });
}
