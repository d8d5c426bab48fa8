import { BaseRpcContext } from '@nestjs/microservices';
import { EnvelopeAttributes } from '@ki/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { EntityManager } from 'typeorm';

type Source = { topic: string; partition: number; groupId: string };
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

/**
 * One event of a batch handed to a `@EventPattern(type, { batch: true })` handler: consecutive
 * new events of that type in one chunk of one partition, in their order.
 */
export interface BatchedEvent<T> {
  payload: T;
  envelope: EnvelopeAttributes;
  /** Runs work for this event alone in its trace, so what it logs and publishes carries its correlation and causation. */
  inTrace<R>(work: () => R): R;
}

/** What a batch handler gets with `@Ctx()`: the transaction of the chunk, in which it writes every effect. */
export class KafkaBatchContext extends BaseRpcContext<[EntityManager, Source]> {
  getManager(): EntityManager {
    return this.args[0];
  }

  getTopic(): string {
    return this.args[1].topic;
  }

  getPartition(): number {
    return this.args[1].partition;
  }

  getGroupId(): string {
    return this.args[1].groupId;
  }
}
