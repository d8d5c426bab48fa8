import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreClosedV1, CentreOpenedV1, EventTypes } from '@ki/contracts';
import { BatchedEvent, KafkaBatchContext, KafkaEventContext } from '@ki/messaging';
import { ReverseOnClosing } from '../closing/reverse-on-closing';
import { AllocateOnOpening } from './allocate-on-opening';

/** The registry's centre events drive the ledger; each is handled in the inbox transaction. */
@Controller()
export class FundingKafkaController {
  constructor(
    private readonly allocateOnOpening: AllocateOnOpening,
    private readonly reverseOnClosing: ReverseOnClosing,
  ) {}

  /** In batches: a chunk's openings are decided together, in a few statements for all. */
  @EventPattern(EventTypes.CentreOpenedV1.type, { batch: true })
  async centresOpened(@Payload() events: BatchedEvent<CentreOpenedV1>[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    await this.allocateOnOpening.executeAll(
      ctx.getManager(),
      events.map(({ payload, envelope, inTrace }) => ({ opened: payload, eventId: envelope.id, inTrace })),
    );
  }

  @EventPattern(EventTypes.CentreClosedV1.type)
  async centreClosed(@Payload() closed: CentreClosedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    await this.reverseOnClosing.execute(ctx.getManager(), closed, ctx.getEnvelope().id);
  }
}
