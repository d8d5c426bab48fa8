import { EventTypes } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import { coesfeldOpened, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { fundingLedgerService } from '../service';
import { KnownCentre } from './known-centre.entity';

describe('the funding ledger keeps a copy of opened centres', () => {
  let ledger: TestService;
  let kafka: Kafka;
  let registry: EventPublisher;

  beforeAll(async () => {
    ledger = await startTestService(fundingLedgerService);
    kafka = testKafka();
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix: ledger.config.kafka.topicPrefix });
  });

  afterAll(async () => {
    await registry.close();
    await ledger.close();
  });

  it('stores a centre whose opening arrives through the broker', async () => {
    const opened = coesfeldOpened();

    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);

    const row = await eventually(
      () => ledger.app.get(DataSource).getRepository(KnownCentre).findOneByOrFail({ centreId: opened.centreId }),
      {
        name: 'known centre stored',
      },
    );
    expect(row).toEqual({
      centreId: opened.centreId,
      hostBodyKey: '05558',
      territoryKey: '05558',
      hostBodyName: 'Kreis Coesfeld',
      ordinal: 50,
      openedOn: '2016-02-12',
      openedEventId: envelope.id,
    });
  });

  it('answers /health with 200 naming database, broker and its consumer group', async () => {
    const res = await fetch(`${ledger.url}/health`);
    const body = (await res.json()) as { details: Record<string, { status: string; groups?: { groupId: string }[] }> };

    expect(res.status).toBe(200);
    expect(body.details.database.status).toBe('up');
    expect(body.details.kafka.status).toBe('up');
    expect(body.details.messaging.groups?.map((g) => g.groupId)).toEqual(['funding-ledger']);
  });
});
