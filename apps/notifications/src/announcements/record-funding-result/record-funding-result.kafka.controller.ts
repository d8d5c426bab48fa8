import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { RecordFundingResultHandler } from './record-funding-result.handler';

/** The ledger's decisions on the funding of openings. */
@Controller()
export class RecordFundingResultKafkaController {
  constructor(private readonly handler: RecordFundingResultHandler) {}

  @EventPattern(EventTypes.FundingAllocatedV1.type)
  fundingAllocated(@Payload() p: FundingAllocatedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), p, ctx.getEnvelope());
  }

  @EventPattern(EventTypes.FundingAllocationRejectedV1.type)
  fundingRejected(@Payload() p: FundingAllocationRejectedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), p, ctx.getEnvelope());
  }
}
