import { KafkaEventsServer, KafkaEventsServerOptions } from './kafka-events.server';

describe('the consumer of a group', () => {
  it('logs a heartbeat that fails in the middle of work, naming the group and the cause, and carries on', async () => {
    const server = new KafkaEventsServer({ groupId: 'funding-ledger' } as KafkaEventsServerOptions);
    const internals = server as unknown as { logger: { warn(message: string): void }; heartbeat(beat: () => Promise<void>): Promise<void> };
    const warn = jest.spyOn(internals.logger, 'warn').mockImplementation(() => undefined);

    await internals.heartbeat(() => Promise.reject(new Error('The group is rebalancing, so a rejoin is needed')));

    expect(warn).toHaveBeenCalledWith('funding-ledger: heartbeat failed: The group is rebalancing, so a rejoin is needed');
  });
});
