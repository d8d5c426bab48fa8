import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FundingWaitScheduler } from './announce-after-wait/funding-wait.scheduler';
import { Announcer } from './announce/announcer';
import { AnnouncementsHttpController } from './announcements.http.controller';
import { AnnouncementQueries } from './queries/announcement-queries';
import { RecordFundingResultHandler } from './record-funding-result/record-funding-result.handler';
import { RecordFundingResultKafkaController } from './record-funding-result/record-funding-result.kafka.controller';
import { RecordOpeningHandler } from './record-opening/record-opening.handler';
import { RecordOpeningKafkaController } from './record-opening/record-opening.kafka.controller';
import { AnnouncementTemplates } from './templates/announcement-templates';

@Module({
  imports: [TerminusModule],
  controllers: [RecordOpeningKafkaController, RecordFundingResultKafkaController, AnnouncementsHttpController],
  providers: [
    // Built at start-up, so a template that does not compile stops the start.
    { provide: AnnouncementTemplates, useFactory: () => new AnnouncementTemplates() },
    Announcer,
    RecordOpeningHandler,
    RecordFundingResultHandler,
    FundingWaitScheduler,
    AnnouncementQueries,
  ],
})
export class AnnouncementsModule {}
