import { EventTypes, findContract } from './catalogue';
import { ConsumedEventTypes, consumerGroupsOf } from './consumers';

describe('the consumer declaration', () => {
  it('names only event types of the catalogue', () => {
    const types = Object.values(ConsumedEventTypes).flat();

    expect(types.filter((type) => !findContract(type))).toEqual([]);
  });

  it('has the funding ledger and notifications handle a centre opening, and nobody a delivery outcome', () => {
    expect(consumerGroupsOf(EventTypes.CentreOpenedV1.type)).toEqual(['funding-ledger', 'notifications']);
    expect(consumerGroupsOf(EventTypes.AnnouncementDeliverySucceededV1.type)).toEqual([]);
  });
});
