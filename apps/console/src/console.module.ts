import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { API_KEYS, ApiKeyGuard, MESSAGING_RUNTIME, PlatformModule } from '@ki/platform';
import type { Logger } from 'pino';
import { CatalogueHttpController } from './catalogue/catalogue.http.controller';
import { ClusterHealth } from './cluster/cluster';
import { ClusterHttpController } from './cluster/cluster.http.controller';
import { ConsoleConfig } from './config';
import { ConsumerLag } from './consumers/consumer-lag';
import { ConsumersHttpController } from './consumers/consumers.http.controller';
import { BulkReplay } from './dead-letters/bulk-replay';
import { BulkReplayHttpController } from './dead-letters/bulk-replay.http.controller';
import { DeadLetters } from './dead-letters/dead-letters';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http.controller';
import { FlowQuery } from './flow/flow';
import { FlowHttpController } from './flow/flow.http.controller';
import { InboxLookup } from './flow/inbox-lookup';
import { ClusterGroups } from './groups/cluster-groups';
import { GroupsHttpController } from './groups/groups.http.controller';
import { JourneyHttpController } from './journey/journey.http.controller';
import { IndexQueries } from './message-index/index-queries';
import { IndexReader } from './message-index/index-reader';
import { IndexRetention } from './message-index/index-retention';
import { LiveFeed } from './message-index/live-feed';
import { MessageIndex } from './message-index/message-index';
import { consoleMigrations } from './message-index/migrations';
import { MessageSearch } from './messages/message-search';
import { MessagesHttpController } from './messages/messages.http.controller';
import { FlowSampler } from './topology/flow-sampler';
import { TopologyHttpController } from './topology/topology.http.controller';
import { UiHttpController } from './ui/ui.http.controller';

/** The operator console: indexes every topic in its database, asks the services' inboxes and the broker, replays dead letters. */
@Module({})
export class ConsoleModule {
  static forRoot(config: ConsoleConfig, logger: Logger): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [PlatformModule.forRoot({ config, logger, entities: [], migrations: consoleMigrations }), TerminusModule],
      controllers: [
        FlowHttpController,
        JourneyHttpController,
        MessagesHttpController,
        ConsumersHttpController,
        DeadLettersHttpController,
        CatalogueHttpController,
        UiHttpController,
        // Operations beyond reading the flow: pictures, consumer groups, bulk replay, cluster.
        TopologyHttpController,
        GroupsHttpController,
        BulkReplayHttpController,
        ClusterHttpController,
      ],
      providers: [
        { provide: API_KEYS, useValue: config.apiKeys },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        MessageIndex,
        IndexQueries,
        LiveFeed,
        IndexReader,
        { provide: MESSAGING_RUNTIME, useExisting: IndexReader },
        IndexRetention,
        InboxLookup,
        FlowQuery,
        MessageSearch,
        ConsumerLag,
        DeadLetters,
        FlowSampler,
        ClusterGroups,
        BulkReplay,
        ClusterHealth,
      ],
    };
  }
}
