import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CentreOpenedV1, EventTypes } from '@ki/contracts';
import { BatchedEvent, KafkaBatchContext } from '@ki/messaging';
import { RecordOpeningHandler } from './record-opening.handler';

/** Openings reported by the registry, in batches: a rebuild from the topic records thousands at a time. */
@Controller()
export class RecordOpeningKafkaController {
  constructor(private readonly handler: RecordOpeningHandler) {}

  @EventPattern(EventTypes.CentreOpenedV1.type, { batch: true })
  centresOpened(@Payload() events: BatchedEvent<CentreOpenedV1>[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.execute(ctx.getManager(), events);
  }
}
