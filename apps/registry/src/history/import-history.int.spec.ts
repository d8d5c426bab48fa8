import { Topics } from '@ki/contracts';
import { collectMessages, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { DataSource } from 'typeorm';
import { OpenCentreHandler } from '../centres/open-centre/open-centre.handler';
import { RegisterCentreHandler } from '../centres/register-centre/register-centre.handler';
import { registryService } from '../service';
import { HistoryMismatchError, importHistory, readHistory } from './import-history';

describe('the history import', () => {
  let registry: TestService;
  const run = (openings = readHistory()) =>
    importHistory(registry.app.get(DataSource), registry.app.get(RegisterCentreHandler), registry.app.get(OpenCentreHandler), openings);

  beforeEach(async () => {
    registry = await startTestService(registryService);
  });

  afterEach(() => registry.close());

  it('marks every opening as recorded later with its date status, on the centre and in the event', async () => {
    const centres = await collectMessages(testKafka(), `${registry.config.kafka.topicPrefix}${Topics.centres}`);

    await run();

    const rows: { ordinal: number; status: string; recordedLater: boolean }[] = await registry.app
      .get(DataSource)
      .query(`SELECT ordinal, opening_date_status AS status, recorded_later AS "recordedLater" FROM centres ORDER BY ordinal`);
    expect(rows).toHaveLength(49);
    expect(rows.every((r) => r.status === 'assumed' && r.recordedLater)).toBe(true);
    const opened = await eventually(() => {
      const found = centres.messages.filter((m) => m.headers.ce_type === 'ki.registry.centre-opened.v1');
      if (found.length < 49) throw new Error(`${found.length} of 49 openings published`);
      return found.map((m) => JSON.parse(m.value ?? '{}'));
    });
    expect(opened.every((e) => e.historical === true && e.dateStatus === 'assumed')).toBe(true);
    await centres.stop();
  });

  it('resumes after a crash between registering and opening a centre', async () => {
    const history = readHistory();
    await run(history.slice(0, 2));
    // What a run that died after registering the third row's centre left behind.
    const left = await registry.app.get(RegisterCentreHandler).execute({
      hostBodyKey: history[2].hostBodyKey,
      name: 'Kommunales Integrationszentrum Stadt Essen',
      hostAuthority: 'Stadt Essen',
      address: 'Essen (historischer Eintrag, Anschrift nicht erfasst)',
      contactEmail: 'ki-05113@history.invalid',
    });

    const result = await run(history);

    expect(result).toEqual({ opened: 47, skipped: 2 });
    const [essen] = await registry.app.get(DataSource).query(`SELECT id, status, ordinal FROM centres WHERE host_body_key = '05113'`);
    expect(essen).toEqual({ id: left.id, status: 'open', ordinal: 3 });
  });

  it('stops with a clear message when a CSV ordinal is not the one the registry assigns', async () => {
    const coesfeld = await registry.app.get(RegisterCentreHandler).execute({
      hostBodyKey: '05558',
      name: 'Kommunales Integrationszentrum Kreis Coesfeld',
      hostAuthority: 'Kreis Coesfeld',
      address: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld',
      contactEmail: 'ki@example.org',
    });
    await registry.app.get(OpenCentreHandler).execute({ centreId: coesfeld.id, openedOn: '2012-12-01', place: 'Lüdinghausen' });

    const failure = await run().catch((err: Error) => err);

    expect(failure).toBeInstanceOf(HistoryMismatchError);
    expect((failure as Error).message).toBe(
      'history row 1 (05111, 2013-01-15): the registry would give this opening the ordinal 2, not 1 (it holds 1 opening(s)); ' +
        'import the history into a registry whose openings are exactly the rows before it',
    );
    const [{ count }] = await registry.app.get(DataSource).query(`SELECT count(*)::int AS count FROM centres`);
    expect(count).toBe(1);
  });
});
