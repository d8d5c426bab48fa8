import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { berlinDate } from '../domain/german-format';
import { RecordFundingResultHandler } from './record-funding-result.handler';

/** The ledger's decisions on the funding of openings; annual rollovers are not announced. */
@Controller()
export class RecordFundingResultKafkaController {
  constructor(private readonly handler: RecordFundingResultHandler) {}

  @EventPattern(EventTypes.FundingAllocatedV1.type)
  async fundingAllocated(@Payload() p: FundingAllocatedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    if (p.occasion !== 'opening') return;
    const envelope = ctx.getEnvelope();
    await this.handler.execute(
      ctx.getManager(),
      {
        openingEventId: p.causationEventId,
        centreId: p.centreId,
        hostBodyKey: p.hostBodyKey,
        funding: {
          outcome: 'allocated',
          fiscalYear: p.fiscalYear,
          grantCents: p.grantCents,
          teacherPostsHundredths: p.teacherPostsHundredths,
          kommAnCents: p.kommAnCents,
          totalCents: p.totalCents,
          knownOn: berlinDate(new Date(envelope.time)),
        },
      },
      envelope,
    );
  }

  @EventPattern(EventTypes.FundingAllocationRejectedV1.type)
  async fundingRejected(@Payload() p: FundingAllocationRejectedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    if (p.occasion !== 'opening') return;
    const envelope = ctx.getEnvelope();
    await this.handler.execute(
      ctx.getManager(),
      {
        openingEventId: p.causationEventId,
        centreId: p.centreId,
        hostBodyKey: p.hostBodyKey,
        funding: {
          outcome: 'rejected',
          fiscalYear: p.fiscalYear,
          reason: p.reason,
          detail: p.detail,
          knownOn: berlinDate(new Date(envelope.time)),
        },
      },
      envelope,
    );
  }
}
