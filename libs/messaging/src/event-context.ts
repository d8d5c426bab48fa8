import { BaseRpcContext } from '@nestjs/microservices';
import { EnvelopeAttributes } from '@ki/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { EntityManager } from 'typeorm';

type Args = [EnvelopeAttributes, EntityManager, { topic: string; partition: number; message: KafkaMessage; groupId: string }];

/**
 * What a handler gets with `@Ctx()`: the envelope, and the transaction in which it must make
 * its effects. Effects written through {@link getManager} commit together with the record that
 * the event was processed, so a redelivered event has no second effect.
 */
export class KafkaEventContext extends BaseRpcContext<Args> {
  getEnvelope(): EnvelopeAttributes {
    return this.args[0];
  }

  /** The transaction of this delivery; write every effect through it. */
  getManager(): EntityManager {
    return this.args[1];
  }

  getTopic(): string {
    return this.args[2].topic;
  }

  getPartition(): number {
    return this.args[2].partition;
  }

  getMessage(): KafkaMessage {
    return this.args[2].message;
  }

  getGroupId(): string {
    return this.args[2].groupId;
  }
}
