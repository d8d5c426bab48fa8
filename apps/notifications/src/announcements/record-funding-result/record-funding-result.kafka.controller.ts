import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { BatchedEvent, KafkaBatchContext } from '@ki/messaging';
import { RecordFundingResultHandler } from './record-funding-result.handler';

/** The ledger's decisions on the funding of openings, in batches: a burst of openings announces a chunk at a time. */
@Controller()
export class RecordFundingResultKafkaController {
  constructor(private readonly handler: RecordFundingResultHandler) {}

  @EventPattern(EventTypes.FundingAllocatedV1.type, { batch: true })
  fundingAllocated(@Payload() events: BatchedEvent<FundingAllocatedV1>[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), events);
  }

  @EventPattern(EventTypes.FundingAllocationRejectedV1.type, { batch: true })
  fundingRejected(@Payload() events: BatchedEvent<FundingAllocationRejectedV1>[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), events);
  }
}
