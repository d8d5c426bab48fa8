import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreOpenedV1, EventTypes } from '@ki/contracts';
import { KafkaEventContext } from '@ki/messaging';
import { KnownCentre } from './known-centre.entity';

/** Keeps the ledger's copy of the registry's centres up to date. */
@Controller()
export class KnownCentresKafkaController {
  @EventPattern(EventTypes.CentreOpenedV1.type)
  async centreOpened(@Payload() opened: CentreOpenedV1, @Ctx() ctx: KafkaEventContext): Promise<void> {
    await ctx.getManager().getRepository(KnownCentre).upsert(
      {
        centreId: opened.centreId,
        hostBodyKey: opened.hostBodyKey,
        territoryKey: opened.territoryKey,
        hostBodyName: opened.hostBodyName,
        ordinal: opened.ordinal,
        openedOn: opened.openedOn,
        openedEventId: ctx.getEnvelope().id,
      },
      ['centreId'],
    );
  }
}
