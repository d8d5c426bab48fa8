import { DisposableBroker, eventually, fetchHealth, startDisposableBroker, startTestService, TestService } from '@ki/testing';
import { fundingLedgerService } from './service';

describe('health of a service whose broker goes away', () => {
  let broker: DisposableBroker;
  let ledger: TestService;

  beforeAll(async () => {
    broker = await startDisposableBroker();
    ledger = await startTestService(fundingLedgerService, { env: { KAFKA_BROKERS: broker.bootstrap } });
  });

  afterAll(async () => {
    await ledger.close();
    await broker.destroy();
  });

  it('turns 503 naming kafka while the broker is down and 200 again once it is back, without a restart', async () => {
    expect((await fetchHealth(ledger.url)).status).toBe(200);

    await broker.stop();
    const down = await eventually(
      async () => {
        const h = await fetchHealth(ledger.url);
        if (h.status !== 503) throw new Error(`still ${h.status}`);
        return h;
      },
      { name: '503 after the broker stopped', timeout: 20_000 },
    );
    expect(down.body.status).toBe('error');
    expect(Object.keys(down.body.error ?? {})).toContain('kafka');
    expect(down.body.error?.kafka.status).toBe('down');
    expect(down.body.error?.database).toBeUndefined();

    await broker.start();
    await eventually(
      async () => {
        const h = await fetchHealth(ledger.url);
        if (h.status !== 200) throw new Error(`still ${h.status}: ${JSON.stringify(h.body.error)}`);
      },
      { name: '200 after the broker came back', timeout: 60_000 },
    );
  });
});
