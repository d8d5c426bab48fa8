import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreOpenedV1, EventTypes } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { Opening } from './opening.entity';

/** Records each opening as soon as the registry reports it. */
@Controller()
export class OpeningsKafkaController {
  @EventPattern(EventTypes.CentreOpenedV1.type)
  async centreOpened(@Payload() opened: CentreOpenedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    const envelope = ctx.getEnvelope();
    await ctx.getManager().getRepository(Opening).insert({
      openedEventId: envelope.id,
      centreId: opened.centreId,
      hostBodyName: opened.hostBodyName,
      ordinal: opened.ordinal,
      openedOn: opened.openedOn,
      place: opened.place,
      correlationId: envelope.correlationId,
    });
  }
}
