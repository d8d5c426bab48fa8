import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CloseCentreV1, EventTypes, OpenCentreV1, RegisterCentreV1 } from '@ki/contracts';
import { KafkaEventContext, Outbox } from '@ki/messaging';
import type { EntityManager } from 'typeorm';
import { CloseCentreHandler } from './close-centre/close-centre.handler';
import { RegistryError } from './domain/registry.errors';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';

/**
 * Registry commands from other internal services. Payloads are validated against the same
 * classes as the REST bodies before they get here (malformed ones are dead-lettered). Each
 * command answers with an accepted or rejected event; a rejected command changes nothing.
 */
@Controller()
export class CentresKafkaController {
  constructor(
    private readonly register: RegisterCentreHandler,
    private readonly open: OpenCentreHandler,
    private readonly close: CloseCentreHandler,
    private readonly outbox: Outbox,
  ) {}

  @EventPattern(EventTypes.RegisterCentreV1.type)
  registerCentre(@Payload() command: RegisterCentreV1, @Ctx() ctx: KafkaEventContext) {
    return this.answer(ctx, (manager) => this.register.execute(command, manager));
  }

  @EventPattern(EventTypes.OpenCentreV1.type)
  openCentre(@Payload() command: OpenCentreV1, @Ctx() ctx: KafkaEventContext) {
    return this.answer(ctx, (manager) => this.open.execute(command, manager));
  }

  @EventPattern(EventTypes.CloseCentreV1.type)
  closeCentre(@Payload() command: CloseCentreV1, @Ctx() ctx: KafkaEventContext) {
    return this.answer(ctx, (manager) => this.close.execute(command, manager));
  }

  private async answer(ctx: KafkaEventContext, run: (manager: EntityManager) => Promise<{ id: string }>): Promise<void> {
    const manager = ctx.getManager();
    const { id: commandId, type: commandType } = ctx.getEnvelope();
    try {
      const centre = await run(manager);
      await this.outbox.add(manager, EventTypes.RegistryCommandAcceptedV1, { commandId, commandType, centreId: centre.id });
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      await this.outbox.add(manager, EventTypes.RegistryCommandRejectedV1, { commandId, commandType, code: err.code, reason: err.message });
    }
  }
}
