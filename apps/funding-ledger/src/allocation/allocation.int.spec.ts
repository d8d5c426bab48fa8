import { EventTypes, Topics, topicName } from '@ki/contracts';
import { encodeEvent, EventPublisher } from '@ki/messaging';
import { coesfeldOpened, collectMessages, eventually, historicalOpenings, startTestService, testKafka, TestService } from '@ki/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { fundingLedgerService } from '../service';

const WRITER = 'ledger-writer-key-0123456789';
const READER = 'ledger-reader-key-0123456789';

/** The ledger with the registry's history (49 openings 2013–2015) behind it, as the press release's day found it. */
describe('funding allocation when a centre opens', () => {
  let ledger: TestService;
  let kafka: Kafka;
  let registry: EventPublisher;
  let db: DataSource;
  let funding: Awaited<ReturnType<typeof collectMessages>>;
  const coesfeld = coesfeldOpened();
  let coesfeldEventId: string;

  const decisions = async (centreId?: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM funding_decisions WHERE $1::uuid IS NULL OR centre_id = $1`, [centreId ?? null]))[0].n;
  const fundingEvents = (type: string, centreId: string) =>
    funding.messages.filter((m) => m.headers.ce_type === type && JSON.parse(m.value ?? '{}').centreId === centreId);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  const get = async (path: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${ledger.url}${path}`);
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  };

  beforeAll(async () => {
    ledger = await startTestService(fundingLedgerService, {
      env: { LEDGER_API_KEYS: `ops:${WRITER}:ledger:write+ledger:plan,viewer:${READER}:ledger:read` },
    });
    db = ledger.app.get(DataSource);
    kafka = testKafka();
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix: ledger.config.kafka.topicPrefix });
    funding = await collectMessages(kafka, topicName(Topics.funding, ledger.config.kafka.topicPrefix));
    for (const opened of historicalOpenings()) await registry.publish(EventTypes.CentreOpenedV1, opened);
    await eventually(async () => expect(await decisions()).toBe(49), { name: '49 historical openings decided', timeout: 30_000 });
    coesfeldEventId = (await registry.publish(EventTypes.CentreOpenedV1, coesfeld)).id;
    await eventually(async () => expect(await decisions(coesfeld.centreId)).toBe(1), { name: 'Coesfeld decided' });
  });

  afterAll(async () => {
    await funding.stop();
    await registry.close();
    await ledger.close();
  });

  it('books 11/12 of 170,000 EUR of MAIS grant, 2 teacher posts and 11/12 of KOMM-AN NRW part I for Kreis Coesfeld opened on 2016-02-12', async () => {
    const statement = await get(`/centres/${coesfeld.centreId}/statement`);

    expect(statement.body).toEqual([
      // Part I pro rata from the opening month: 11/12 of 200,000 EUR for a Kreis.
      expect.objectContaining({ programmeCode: 'KOMM_AN_I', fiscalYear: 2016, unit: 'EUR_CENT', amount: '18333333', kind: 'ALLOCATION' }),
      expect.objectContaining({
        programmeCode: 'MAIS_KI_GRANT',
        fiscalYear: 2016,
        unit: 'EUR_CENT',
        amount: '15583333',
        kind: 'ALLOCATION',
      }),
      expect.objectContaining({ programmeCode: 'MSW_TEACHER_POSTS', fiscalYear: 2016, unit: 'POST_HUNDREDTH', amount: '200' }),
    ]);
    expect(statement.body[1]).toEqual(
      expect.objectContaining({ valueDate: '2016-02-12', causedByEventId: coesfeldEventId, openingDateStatus: 'documented' }),
    );
    expect(statement.body[1].legalBasis).toContain('§ 7 Teilhabe- und Integrationsgesetz NRW');
  });

  it('publishes funding-allocated with the amounts, the posts and what is left of the budgets', async () => {
    const [event] = await eventually(() => {
      const found = fundingEvents(EventTypes.FundingAllocatedV1.type, coesfeld.centreId);
      if (found.length === 0) throw new Error('no funding-allocated yet');
      return found;
    });

    expect(event.key).toBe('05558');
    expect(event.headers.ce_causationid).toBe(coesfeldEventId);
    expect(JSON.parse(event.value ?? '')).toEqual({
      allocationId: expect.any(String),
      centreId: coesfeld.centreId,
      hostBodyKey: '05558',
      hostBodyName: 'Kreis Coesfeld',
      fiscalYear: 2016,
      occasion: 'opening',
      causationEventId: coesfeldEventId,
      grantCents: '15583333',
      grantBudgetRemainingCents: String(1_000_000_000 - 15_583_333),
      teacherPostsHundredths: 200,
      teacherPostsRemainingHundredths: 10_800 - 200,
      teacherPostsValueCents: '10000000',
      kommAnCents: '18333333',
      totalCents: String(15_583_333 + 18_333_333),
    });
  });

  it('shows the 2016 MAIS budget as of the day before and the day of the opening', async () => {
    const before = await get('/accounts/budget:MAIS_KI_GRANT:2016/balance?asOf=2016-02-11');
    const after = await get('/accounts/budget:MAIS_KI_GRANT:2016/balance?asOf=2016-02-12');

    expect(before.body.balance).toBe('1000000000');
    expect(after.body.balance).toBe('984416667');
  });

  it('treats a re-sent opening with a new event id as a no-op', async () => {
    await registry.publish(EventTypes.CentreOpenedV1, coesfeld);
    const marker = coesfeldOpened({ hostBodyKey: '05154', territoryKey: '05154', hostBodyName: 'Kreis Kleve', openedOn: '2016-03-01' });
    await registry.publish(EventTypes.CentreOpenedV1, marker);
    await eventually(async () => expect(await decisions(marker.centreId)).toBe(1), {
      name: 'a later opening on the same partition decided',
    });

    expect(await decisions(coesfeld.centreId)).toBe(1);
    expect((await get(`/centres/${coesfeld.centreId}/statement`)).body).toHaveLength(3);
  });

  it('rolls 2017 over: 170,000.00 EUR for Coesfeld, KOMM-AN NRW part II split to the cent, and a second run changes nothing', async () => {
    const first = await fetch(`${ledger.url}/fiscal-years/2017/rollover`, { method: 'POST', headers: { 'X-API-Key': WRITER } });
    const again = await fetch(`${ledger.url}/fiscal-years/2017/rollover`, { method: 'POST', headers: { 'X-API-Key': WRITER } });

    expect(first.status).toBe(200);
    const summary = await first.json();
    expect(summary).toEqual(expect.objectContaining({ fiscalYear: 2017, centres: 51, allocated: 51, rejected: [], alreadyDecided: 0 }));
    expect(await again.json()).toEqual(expect.objectContaining({ allocated: 0, alreadyDecided: 51 }));
    const statement = (await get(`/centres/${coesfeld.centreId}/statement?fiscalYear=2017`)).body;
    expect(statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ programmeCode: 'MAIS_KI_GRANT', amount: '17000000', valueDate: '2017-01-01' }),
        expect.objectContaining({ programmeCode: 'MSW_TEACHER_POSTS', amount: '200' }),
        expect.objectContaining({ programmeCode: 'KOMM_AN_I', amount: '20000000' }),
      ]),
    );
    const utilisation: { programmeCode: string; remaining: string; allocated: string; budget: string }[] = (
      await get('/utilisation?fiscalYear=2017')
    ).body;
    const partII = utilisation.find((u) => u.programmeCode === 'KOMM_AN_II');
    expect(partII).toEqual(expect.objectContaining({ budget: '372536046', allocated: '372536046', remaining: '0' }));
    const shares: { amount: string }[] = await db.query(
      `SELECT amount::text FROM ledger_transfers WHERE programme_code = 'KOMM_AN_II' AND fiscal_year = 2017 AND kind = 'ALLOCATION'`,
    );
    expect(new Set(shares.map((s) => s.amount))).toEqual(new Set(['7304628', '7304629']));
  });

  it('reverses the unused half of the 2017 grant and returns the teacher posts when Coesfeld closes on 30 June 2017', async () => {
    await registry.publish(EventTypes.CentreClosedV1, {
      centreId: coesfeld.centreId,
      hostBodyKey: '05558',
      closedOn: '2017-06-30',
      reason: 'test closure',
    });

    const reversed = await eventually(() => {
      const found = fundingEvents(EventTypes.FundingReversedV1.type, coesfeld.centreId);
      if (found.length === 0) throw new Error('no funding-reversed yet');
      return JSON.parse(found[0].value ?? '');
    });
    expect(reversed).toEqual(
      expect.objectContaining({ fiscalYear: 2017, reversedGrantCents: '8500000', returnedTeacherPostsHundredths: 200 }),
    );
    const grant = await get(`/accounts/grant:${coesfeld.centreId}:MAIS_KI_GRANT:2017/balance?asOf=2017-12-31`);
    expect(grant.body.balance).toBe('8500000');
    const kommAn = await get(`/accounts/grant:${coesfeld.centreId}:KOMM_AN_I:2017/balance?asOf=2017-12-31`);
    expect(kommAn.body.balance).toBe('20000000');
  });

  it('pages accounts, decisions and statements with a capped limit and a link to the next page', async () => {
    for (const path of ['/accounts', '/decisions', `/centres/${coesfeld.centreId}/statement`]) {
      const all = (await (await fetch(`${ledger.url}${path}?limit=500`)).json()) as unknown[];
      const first = await fetch(`${ledger.url}${path}?limit=1`);
      const second = await fetch(`${ledger.url}${path}?limit=1&offset=1`);
      const tooMany = await fetch(`${ledger.url}${path}?limit=501`);

      expect(all.length).toBeGreaterThan(1);
      expect(await first.json()).toEqual(all.slice(0, 1));
      expect(first.headers.get('link')).toBe(`<${path}?limit=1&offset=1>; rel="next"`);
      expect(await second.json()).toEqual(all.slice(1, 2));
      expect(tooMany.status).toBe(400);
    }
  });

  it('exports the statement as CSV with a header line', async () => {
    const res = await fetch(`${ledger.url}/centres/${coesfeld.centreId}/statement?fiscalYear=2016&format=csv`);
    const lines = (await res.text()).trim().split('\r\n');

    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(lines[0]).toBe(
      'valueDate,kind,programmeCode,fiscalYear,unit,amount,legalBasis,transferId,causedByEventId,reversesTransferId,openingDateStatus',
    );
    expect(lines[2]).toMatch(/^2016-02-12,ALLOCATION,MAIS_KI_GRANT,2016,EUR_CENT,15583333,"?§ 7.*,documented$/);
  });

  it('answers a what-if for two openings with their effect and books nothing', async () => {
    const before = await decisions();
    const res = await fetch(`${ledger.url}/what-if`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': WRITER },
      body: JSON.stringify({
        openings: [
          { hostBodyKey: '05554', hostBodyName: 'Kreis Borken', openedOn: '2016-06-28' },
          { hostBodyKey: '05566', hostBodyName: 'Kreis Steinfurt', openedOn: '2016-06-29' },
        ],
      }),
    });
    const body = (await res.json()) as { results: { lines: { amount: string }[]; budgetsRemaining: Record<string, string> }[] };

    expect(res.status).toBe(200);
    // 2016 budget: Coesfeld 11/12 and the Kleve opening of the no-op test 10/12 are booked; Borken and Steinfurt would take 7/12
    // each of the MAIS grant and of KOMM-AN NRW part I (200,000 EUR for a Kreis).
    expect(body.results.map((r: { lines: { amount: string }[] }) => r.lines.map((l) => l.amount))).toEqual([
      ['9916667', '200', '11666667'],
      ['9916667', '200', '11666667'],
    ]);
    expect(body.results[1].budgetsRemaining.MAIS_KI_GRANT).toBe(String(1_000_000_000 - 15_583_333 - 14_166_667 - 2 * 9_916_667));
    expect(await decisions()).toBe(before);
  });

  it('refuses a rollover without a key (401), with a key lacking ledger:write (403) and for a year out of range (400)', async () => {
    const without = await fetch(`${ledger.url}/fiscal-years/2018/rollover`, { method: 'POST' });
    const reader = await fetch(`${ledger.url}/fiscal-years/2018/rollover`, { method: 'POST', headers: { 'X-API-Key': READER } });
    const badYear = await fetch(`${ledger.url}/fiscal-years/1890/rollover`, { method: 'POST', headers: { 'X-API-Key': WRITER } });

    expect([without.status, reader.status, badYear.status]).toEqual([401, 403, 400]);
    expect(((await badYear.json()) as { message: string[] }).message).toEqual(expect.arrayContaining([expect.stringContaining('year')]));
  });

  it('dead-letters an opening with an invalid payload, naming the field, and allocates the opening behind it', async () => {
    const deadLetters = await collectMessages(kafka, topicName(Topics.deadLetters, ledger.config.kafka.topicPrefix));
    const { message } = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/registry');
    const broken = { ...message, value: JSON.stringify({ ...JSON.parse(String(message.value)), openedOn: 'soon' }) };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topicName(Topics.centres, ledger.config.kafka.topicPrefix), messages: [broken] });
    await producer.disconnect();
    const behind = coesfeldOpened({ openedOn: '2016-04-01' });
    await registry.publish(EventTypes.CentreOpenedV1, behind);

    const dead = await eventually(() => {
      const found = deadLetters.messages.find((m) => m.headers.ce_id === message.headers.ce_id);
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    });
    await deadLetters.stop();
    expect(dead.headers.dlq_consumer_group).toBe('funding-ledger');
    expect(dead.headers.dlq_error).toContain('openedOn');
    await eventually(async () => expect(await decisions(behind.centreId)).toBe(1), { name: 'the opening behind it decided' });
  });

  it('answers an invalid what-if with 400 naming the fields and an unknown account with 404', async () => {
    const res = await fetch(`${ledger.url}/what-if`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': WRITER },
      body: JSON.stringify({ openings: [{ hostBodyKey: '99999', openedOn: '12.02.2016' }] }),
    });
    const unknown = await get('/accounts/budget:NO_SUCH_PROGRAMME:2016/balance');

    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string[] }).message).toEqual(
      expect.arrayContaining([
        expect.stringContaining('hostBodyKey'),
        expect.stringContaining('hostBodyName'),
        expect.stringContaining('openedOn'),
      ]),
    );
    expect(unknown.status).toBe(404);
  });

  it('books only what a centre keeps when its closing reached the ledger before its opening', async () => {
    const late = coesfeldOpened({ hostBodyKey: '05166', territoryKey: '05166', hostBodyName: 'Kreis Viersen', openedOn: '2016-03-01' });
    await registry.publish(EventTypes.CentreClosedV1, {
      centreId: late.centreId,
      hostBodyKey: '05166',
      closedOn: '2016-05-31',
      reason: 'test',
    });
    await registry.publish(EventTypes.CentreOpenedV1, late);

    const [event] = await eventually(() => {
      const found = fundingEvents(EventTypes.FundingAllocatedV1.type, late.centreId);
      if (found.length === 0) throw new Error('no funding-allocated yet');
      return found;
    });
    // March to May of 170,000 EUR; the teacher posts went back with the closing; KOMM-AN NRW part I of the
    // closing year is kept whole (10/12 of 200,000 EUR from March).
    expect(JSON.parse(event.value ?? '')).toEqual(
      expect.objectContaining({ grantCents: '4250000', teacherPostsHundredths: 0, kommAnCents: '16666667' }),
    );
    expect((await get(`/centres/${late.centreId}/statement`)).body).toEqual([
      expect.objectContaining({ programmeCode: 'KOMM_AN_I', amount: '16666667' }),
      expect.objectContaining({ programmeCode: 'MAIS_KI_GRANT', amount: '4250000' }),
    ]);
  });

  it('refuses a what-if without a key, an impossible date with 400, a statement of an unknown centre with 404 and a rollover years ahead with 422', async () => {
    const withoutKey = await fetch(`${ledger.url}/what-if`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const impossible = await get('/accounts/budget:MAIS_KI_GRANT:2016/balance?asOf=2016-02-30');
    const unknown = await get(`/centres/${coesfeldOpened().centreId}/statement`);
    const ahead = await fetch(`${ledger.url}/fiscal-years/2099/rollover`, { method: 'POST', headers: { 'X-API-Key': WRITER } });

    expect([withoutKey.status, impossible.status, unknown.status, ahead.status]).toEqual([401, 400, 404, 422]);
    expect(impossible.body.message).toEqual([expect.stringContaining('asOf must be a day that exists')]);
    expect(((await ahead.json()) as { code: string }).code).toBe('LEDGER.YEAR_TOO_FAR_AHEAD');
  });

  it('keeps transfers append-only and budgets from going below zero, even for SQL that bypasses the service', async () => {
    await expect(db.query(`UPDATE ledger_transfers SET amount = amount + 1`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ledger_transfers`)).rejects.toThrow(/append-only/);
    await expect(
      db.query(
        `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, unit, amount, kind, programme_code, fiscal_year, centre_id,
                                       value_date, legal_basis, caused_by_event_id, decision_id)
         SELECT gen_random_uuid(), 'budget:MAIS_KI_GRANT:2016', id, 'EUR_CENT', 2000000000, 'ALLOCATION', 'MAIS_KI_GRANT', 2099, centre_id,
                '2016-12-31', 'test', 'test', (SELECT id FROM funding_decisions LIMIT 1)
           FROM ledger_accounts WHERE kind = 'GRANT' AND unit = 'EUR_CENT' LIMIT 1`,
      ),
    ).rejects.toThrow(/ledger_balance_not_negative/);
  });

  it('marks the statement lines of a centre whose opening date the history assumed', async () => {
    const [olpe] = historicalOpenings().slice(-1);

    await registry.publish(EventTypes.CentreOpenedV1, { ...olpe, dateStatus: 'assumed', historical: true });
    await eventually(async () => expect(await decisions(olpe.centreId)).toBe(1), { name: 'the historical opening decided' });

    const statement: { openingDateStatus: string; amount: string }[] = (await get(`/centres/${olpe.centreId}/statement`)).body;
    expect(statement.map((line) => line.openingDateStatus)).toEqual(['assumed', 'assumed']);
    const csv = await (await fetch(`${ledger.url}/centres/${olpe.centreId}/statement?format=csv`)).text();
    expect(csv.trim().split('\r\n')[1]).toMatch(/,assumed$/);
  });
});
