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

  /** The health answer once it has this status. */
  const healthTurns = (status: number, name: string, timeout: number) =>
    eventually(
      async () => {
        const h = await fetchHealth(ledger.url);
        if (h.status !== status) throw new Error(`still ${h.status}: ${JSON.stringify(h.body.error)}`);
        return h;
      },
      { name, timeout },
    );

  it('turns 503 naming kafka while the broker is down and 200 again once it is back, without a restart', async () => {
    // On a fresh broker the group coordinator may still be loading: the consumer restarts once, and health says so meanwhile.
    await healthTurns(200, '200 once the consumer joined its group', 30_000);

    await broker.stop();
    const down = await healthTurns(503, '503 after the broker stopped', 20_000);
    expect(down.body.status).toBe('error');
    expect(Object.keys(down.body.error ?? {})).toContain('kafka');
    expect(down.body.error?.kafka.status).toBe('down');
    expect(down.body.error?.database).toBeUndefined();

    await broker.start();
    await healthTurns(200, '200 after the broker came back', 60_000);
  });
});
