import { ContractViolation, EventTypes, topicName, Topics } from '@ki/contracts';
import { coesfeldOpened } from '@ki/testing';
import type { Kafka } from 'kafkajs';
import { DeadLetterHeaders } from './dead-letter';
import { encodeEvent } from './envelope-codec';
import { DeadLetter, replayDeadLetter, ReplayRefused } from './replay';

/** A broker that fails the test if the replay tries to send anything. */
const noBroker = {
  producer: () => {
    throw new Error('nothing may be sent');
  },
} as unknown as Kafka;

describe('replaying a dead letter', () => {
  const prefix = 'replay-spec.';
  const opening = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test');
  const letter = (headers: Record<string, string>): DeadLetter => ({
    partition: 0,
    offset: '7',
    key: '05558',
    value: String(opening.message.value),
    headers: { ...opening.message.headers, [DeadLetterHeaders.originalTopic]: topicName(Topics.centres, prefix), ...headers },
  });
  const replay = (deadLetter: DeadLetter, value?: string) =>
    replayDeadLetter(noBroker, deadLetter, { replayedBy: 'ops', reason: 'fixed it', topicPrefix: prefix, value });

  it.each([
    ['the operations audit trail', topicName(Topics.operations, prefix)],
    ['the dead-letter topic', topicName(Topics.deadLetters, prefix)],
    ['another type’s topic', topicName(Topics.funding, prefix)],
    ['a topic of another system', 'payments.transfers.v1'],
  ])('refuses to write to %s named by a forged dead letter', async (_, topic) => {
    const refused = replay(letter({ [DeadLetterHeaders.originalTopic]: topic }));

    await expect(refused).rejects.toThrow(ReplayRefused);
    await expect(refused).rejects.toMatchObject({ code: 'REPLAY.FOREIGN_TOPIC' });
  });

  it('refuses an event type the contracts do not know, repaired or not', async () => {
    const unknown = letter({ ce_type: 'ki.registry.centre-opened.v9' });

    await expect(replay(unknown)).rejects.toMatchObject({ code: 'REPLAY.UNKNOWN_TYPE' });
    await expect(replay(unknown, JSON.stringify(coesfeldOpened()))).rejects.toMatchObject({ code: 'REPLAY.UNKNOWN_TYPE' });
  });

  it('refuses a repaired payload that breaks the contract, naming the field', async () => {
    const refused = replay(letter({}), JSON.stringify({ ...coesfeldOpened(), openedOn: 'soon' }));

    await expect(refused).rejects.toThrow(ContractViolation);
    await expect(refused).rejects.toThrow('openedOn');
  });
});
