import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConsumerGroup } from '@ki/contracts';
import { SERVICE_CONFIG } from '@ki/platform';
import { Pool } from 'pg';
import type { ConsoleConfig } from '../config';

/**
 * Which events each consumer group has handled, read from the `messaging_inbox` table of the
 * group's service database, over read-only connections.
 */
@Injectable()
export class InboxLookup implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig) {}

  private pool(group: ConsumerGroup): Pool {
    let pool = this.pools.get(group);
    if (!pool) {
      pool = new Pool({
        connectionString: this.config.inboxDatabases[group],
        max: 2,
        connectionTimeoutMillis: 3000,
        options: '-c default_transaction_read_only=on',
      });
      // An idle connection the server dropped is replaced on the next query; nothing to do here.
      pool.on('error', () => undefined);
      this.pools.set(group, pool);
    }
    return pool;
  }

  /** The ids among `eventIds` that `group` has handled. */
  async handled(group: ConsumerGroup, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    try {
      const { rows } = await this.pool(group).query<{ event_id: string }>(
        'SELECT DISTINCT event_id FROM messaging_inbox WHERE consumer_group = $1 AND event_id = ANY($2)',
        [group, eventIds],
      );
      return new Set(rows.map((r) => r.event_id));
    } catch (err) {
      throw new Error(`cannot read the inbox of consumer group ${group}: ${(err as Error).message}`, { cause: err });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
  }
}
