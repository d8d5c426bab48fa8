import type { Logger as PinoLogger } from 'pino';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** TypeORM's messages as structured logs: failed and slow queries, migrations, warnings. */
export class PinoTypeOrmLogger implements TypeOrmLogger {
  private readonly logger: PinoLogger;

  constructor(logger: PinoLogger) {
    this.logger = logger.child({ logger: 'typeorm' });
  }

  logQuery(): void {
    // Every query would drown the log; failed and slow ones are logged below.
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ query: query.slice(0, 500), err: error }, `query failed: ${error instanceof Error ? error.message : error}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: query.slice(0, 500), ms: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.logger[level === 'warn' ? 'warn' : 'info'](String(message));
  }
}
