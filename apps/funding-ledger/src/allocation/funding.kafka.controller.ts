import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreClosedV1, CentreOpenedV1, EventTypes } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { ReverseOnClosing } from '../closing/reverse-on-closing';
import { AllocateOnOpening } from './allocate-on-opening';

/** The registry's centre events drive the ledger; each is handled in the inbox transaction. */
@Controller()
export class FundingKafkaController {
  constructor(
    private readonly allocateOnOpening: AllocateOnOpening,
    private readonly reverseOnClosing: ReverseOnClosing,
  ) {}

  @EventPattern(EventTypes.CentreOpenedV1.type)
  async centreOpened(@Payload() opened: CentreOpenedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    await this.allocateOnOpening.execute(ctx.getManager(), opened, ctx.getEnvelope().id);
  }

  @EventPattern(EventTypes.CentreClosedV1.type)
  async centreClosed(@Payload() closed: CentreClosedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    await this.reverseOnClosing.execute(ctx.getManager(), closed, ctx.getEnvelope().id);
  }
}
