import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreOpenedV1, EventTypes } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { RecordOpeningHandler } from './record-opening.handler';

/** Openings reported by the registry. */
@Controller()
export class RecordOpeningKafkaController {
  constructor(private readonly handler: RecordOpeningHandler) {}

  @EventPattern(EventTypes.CentreOpenedV1.type)
  centreOpened(@Payload() opened: CentreOpenedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), opened, ctx.getEnvelope());
  }
}
