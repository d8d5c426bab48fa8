import { CentreClosedV1, CentreOpenedV1, EventTypes, FundingAllocatedV1 } from '@ki/contracts';
import { coesfeldOpened, startTestService, TestService } from '@ki/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ReverseOnClosing } from '../closing/reverse-on-closing';
import { FiscalYearRollover } from '../rollover/fiscal-year-rollover';
import { fundingLedgerService } from '../service';
import { AllocateOnOpening, OpeningToFund } from './allocate-on-opening';

// Small budgets so that allocations are refused: grants for 5 full years, posts for 3.5 centres.
const GRANT = 17_000_000n;
const GRANT_BUDGET = 5n * GRANT;
const POSTS = 200n;
const POSTS_BUDGET = 700n;
const POT = 1_000_001n; // odd on purpose: the split must still sum to the pot

const HOSTS = ['05111', '05154', '05314', '05558', '05566', '05711'];

function programmesFile(): string {
  const term = (share: object, openingYear: string, yearlyBudget: bigint, extra: object = {}) => ({
    validFrom: '2013-01-01',
    share,
    openingYear,
    yearlyBudget: yearlyBudget.toString(),
    ...extra,
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ki-ledger-')), 'programmes.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      programmes: [
        {
          code: 'MAIS_KI_GRANT',
          name: 'grant',
          unit: 'EUR_CENT',
          reportAs: 'GRANT',
          legalBasis: 'test',
          terms: [term({ kind: 'PER_CENTRE', amount: GRANT.toString() }, 'PRO_RATA_FULL_MONTHS', GRANT_BUDGET)],
        },
        {
          code: 'MSW_TEACHER_POSTS',
          name: 'posts',
          unit: 'POST_HUNDREDTH',
          reportAs: 'TEACHER_POSTS',
          legalBasis: 'test',
          valuePerUnitCents: '50000',
          terms: [term({ kind: 'PER_CENTRE', amount: POSTS.toString() }, 'FULL', POSTS_BUDGET)],
        },
        {
          code: 'POT',
          name: 'pot',
          unit: 'EUR_CENT',
          reportAs: 'KOMM_AN',
          legalBasis: 'test',
          terms: [term({ kind: 'POT_EQUAL_SPLIT' }, 'NONE', POT, { validFrom: '2016-01-01', validUntil: '2017-12-31' })],
        },
      ],
    }),
  );
  return file;
}

type Command =
  | { kind: 'open'; centre: number }
  | { kind: 'redeliver'; centre: number }
  | { kind: 'resend'; centre: number }
  | { kind: 'close'; centre: number; monthsAfterOpening: number }
  | { kind: 'rollover'; year: number }
  | { kind: 'commit' };

/** `amount × months / 12`, rounded half up, written independently of the ledger's `fraction`: quotient plus remainder test. */
function twelfths(amount: bigint, months: number): bigint {
  const product = amount * BigInt(months);
  return product / 12n + (2n * (product % 12n) >= 12n ? 1n : 0n);
}

/** An independent model of the rules; amounts are integer cents and hundredths of a post (BigInt), as in the ledger. */
class Model {
  readonly centres = new Map<number, { openedOn: string | null; closedOn: string | null }>();
  readonly decisions = new Set<string>();
  readonly budgets = new Map<string, bigint>();
  readonly grants = new Map<string, bigint>();
  /** What each allocation's event must report as left in the budgets, by `<centre id>:<year>:<occasion>`. */
  readonly reportedRemaining = new Map<string, { grant: string; posts: number }>();
  private readonly allocations: {
    centre: number;
    programme: string;
    year: number;
    amount: bigint;
    fromMonth: number;
    reversed: boolean;
  }[] = [];

  constructor(private readonly ids: string[]) {}

  budget(programme: string, year: number): bigint {
    const initial = { MAIS_KI_GRANT: GRANT_BUDGET, MSW_TEACHER_POSTS: POSTS_BUDGET, POT }[programme] ?? 0n;
    return this.budgets.get(`${programme}:${year}`) ?? initial;
  }

  open(centre: number, openedOn: string): void {
    const known = this.centres.get(centre) ?? { openedOn: null, closedOn: null };
    known.openedOn ??= openedOn;
    this.centres.set(centre, known);
    const year = Number(known.openedOn.slice(0, 4));
    const month = Number(known.openedOn.slice(5, 7));
    this.decide(centre, year, 'opening', month, [
      ['MAIS_KI_GRANT', twelfths(GRANT, 13 - month)],
      ['MSW_TEACHER_POSTS', POSTS],
    ]);
  }

  close(centre: number, closedOn: string): void {
    const known = this.centres.get(centre);
    if (known?.closedOn) return;
    if (!known) {
      this.centres.set(centre, { openedOn: null, closedOn });
      return;
    }
    known.closedOn = closedOn;
    for (const a of this.allocations.filter((x) => x.centre === centre && !x.reversed)) {
      const back = a.amount - this.kept(a.programme, a.amount, a.fromMonth, a.year, closedOn);
      if (back === 0n) continue;
      a.reversed = true;
      this.move(a.programme, a.year, centre, -back);
    }
  }

  rollover(year: number): void {
    const newYear = `${year}-01-01`;
    const eligible = [...this.centres.entries()]
      .filter(([, c]) => c.openedOn !== null && c.openedOn < newYear && (c.closedOn === null || c.closedOn >= newYear))
      .map(([i]) => i)
      .sort((a, b) => HOSTS[a].localeCompare(HOSTS[b]));
    const splitPot = year <= 2017 && ![...this.decisions].some((d) => d.endsWith(`:${year}:rollover`));
    const n = BigInt(eligible.length);
    eligible.forEach((centre, at) => {
      const lines: [string, bigint][] = [
        ['MAIS_KI_GRANT', GRANT],
        ['MSW_TEACHER_POSTS', POSTS],
      ];
      if (splitPot) lines.push(['POT', POT / n + (BigInt(at) < POT % n ? 1n : 0n)]);
      this.decide(centre, year, 'rollover', 1, lines);
    });
  }

  /** What a centre closing on `closedOn` keeps of `amount` for `year`, from the README's closing policy. */
  private kept(programme: string, amount: bigint, fromMonth: number, year: number, closedOn: string): bigint {
    const closeYear = Number(closedOn.slice(0, 4));
    if (closeYear !== year) return closeYear > year ? amount : 0n;
    if (programme === 'MSW_TEACHER_POSTS') return 0n;
    if (programme === 'POT') return amount;
    const months = Number(closedOn.slice(5, 7)) - fromMonth + 1;
    if (months <= 0) return 0n;
    const grant = twelfths(GRANT, months);
    return grant < amount ? grant : amount;
  }

  private decide(centre: number, year: number, occasion: string, fromMonth: number, lines: [string, bigint][]): void {
    const slot = `${centre}:${year}:${occasion}`;
    if (this.decisions.has(slot)) return;
    this.decisions.add(slot);
    const closedOn = this.centres.get(centre)?.closedOn;
    const funded = lines
      .map(([programme, amount]): [string, bigint] => [
        programme,
        closedOn ? this.kept(programme, amount, fromMonth, year, closedOn) : amount,
      ])
      .filter(([, amount]) => amount > 0n);
    if (funded.length === 0 || funded.some(([programme, amount]) => amount > this.budget(programme, year))) return;
    for (const [programme, amount] of funded) {
      this.allocations.push({ centre, programme, year, amount, fromMonth, reversed: false });
      this.move(programme, year, centre, amount);
    }
    this.reportedRemaining.set(`${this.ids[centre]}:${year}:${occasion}`, {
      grant: this.budget('MAIS_KI_GRANT', year).toString(),
      posts: Number(this.budget('MSW_TEACHER_POSTS', year)),
    });
  }

  private move(programme: string, year: number, centre: number, amount: bigint): void {
    this.budgets.set(`${programme}:${year}`, this.budget(programme, year) - amount);
    const grant = `grant:${this.ids[centre]}:${programme}:${year}`;
    this.grants.set(grant, (this.grants.get(grant) ?? 0n) + amount);
  }
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), centre: fc.nat({ max: HOSTS.length - 1 }) }),
  fc.record({ kind: fc.constant('redeliver' as const), centre: fc.nat({ max: HOSTS.length - 1 }) }),
  fc.record({ kind: fc.constant('resend' as const), centre: fc.nat({ max: HOSTS.length - 1 }) }),
  fc.record({ kind: fc.constant('close' as const), centre: fc.nat({ max: HOSTS.length - 1 }), monthsAfterOpening: fc.nat({ max: 20 }) }),
  fc.record({ kind: fc.constant('rollover' as const), year: fc.constantFrom(2017, 2018) }),
  // Ends the batch of openings decided together (as the consumer decides a chunk's openings).
  fc.record({ kind: fc.constant('commit' as const) }),
);

const openingArb = fc.record({ year: fc.constantFrom(2016, 2017), month: fc.integer({ min: 1, max: 12 }) });

describe('ledger invariants under random openings, closings, duplicates, redeliveries and rollovers (fast-check, real PostgreSQL)', () => {
  let ledger: TestService;
  let db: DataSource;

  beforeAll(async () => {
    ledger = await startTestService(fundingLedgerService, { env: { LEDGER_PROGRAMMES_FILE: programmesFile() } });
    db = ledger.app.get(DataSource);
  });

  afterAll(() => ledger.close());

  async function resetBooks(): Promise<void> {
    // The books refuse TRUNCATE by trigger; replica mode switches triggers off for this test reset only.
    const runner = db.createQueryRunner();
    try {
      await runner.query(`SET session_replication_role = replica`);
      await runner.query(`TRUNCATE ledger_transfers, funding_decisions, ledger_accounts, known_centres, messaging_outbox`);
    } finally {
      await runner.query(`SET session_replication_role = origin`);
      await runner.release();
    }
  }

  it('keeps the books balanced, never below zero, one allocation per slot, and equal to the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(openingArb, { minLength: HOSTS.length, maxLength: HOSTS.length }),
        fc.array(commandArb, { maxLength: 25 }),
        async (dates, commands) => {
          await resetBooks();
          const ids = HOSTS.map(() => randomUUID());
          const model = new Model(ids);
          const openings = HOSTS.map((key, i): CentreOpenedV1 =>
            coesfeldOpened({
              centreId: ids[i],
              hostBodyKey: key,
              territoryKey: key,
              openedOn: `${dates[i].year}-${String(dates[i].month).padStart(2, '0')}-01`,
            }),
          );
          const firstEvent = new Map<number, string>();
          const allocate = ledger.app.get(AllocateOnOpening);
          const reverse = ledger.app.get(ReverseOnClosing);
          const rollover = ledger.app.get(FiscalYearRollover);

          let batch: OpeningToFund[] = [];
          const decideBatch = async () => {
            const openingsOfBatch = batch;
            batch = [];
            if (openingsOfBatch.length > 0) await db.transaction((m) => allocate.executeAll(m, openingsOfBatch));
          };
          for (const command of commands) {
            if (command.kind !== 'open' && command.kind !== 'redeliver' && command.kind !== 'resend') await decideBatch();
            if (command.kind === 'commit') continue;
            if (command.kind === 'rollover') {
              await rollover.execute(command.year, '2030-01-01');
              model.rollover(command.year);
            } else if (command.kind === 'close') {
              const opened = openings[command.centre];
              const month = Number(opened.openedOn.slice(5, 7)) - 1 + command.monthsAfterOpening;
              const closedOn = `${Number(opened.openedOn.slice(0, 4)) + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-28`;
              const closed: CentreClosedV1 = {
                centreId: opened.centreId,
                hostBodyKey: opened.hostBodyKey,
                closedOn,
                reason: 'property test',
              };
              await db.transaction((m) => reverse.execute(m, closed, randomUUID()));
              model.close(command.centre, closedOn);
            } else {
              const seen = firstEvent.get(command.centre);
              if (command.kind !== 'open' && seen === undefined) continue;
              const eventId = command.kind === 'redeliver' ? (seen as string) : randomUUID();
              if (seen === undefined) firstEvent.set(command.centre, eventId);
              batch.push({ opened: openings[command.centre], eventId });
              model.open(command.centre, openings[command.centre].openedOn);
            }
          }
          await decideBatch();

          const accounts: { id: string; kind: string; unit: string; debits: string; credits: string; posted_ok: boolean }[] =
            await db.query(`
          SELECT a.id, a.kind, a.unit, a.debits_posted::text AS debits, a.credits_posted::text AS credits,
                 a.debits_posted = COALESCE((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = a.id), 0)
                 AND a.credits_posted = COALESCE((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = a.id), 0) AS posted_ok
            FROM ledger_accounts a`);
          const balance = (a: (typeof accounts)[number]) => BigInt(a.credits) - BigInt(a.debits);
          for (const unit of ['EUR_CENT', 'POST_HUNDREDTH'])
            expect(accounts.filter((a) => a.unit === unit).reduce((sum, a) => sum + balance(a), 0n)).toBe(0n);
          expect(accounts.filter((a) => a.kind !== 'SOURCE' && balance(a) < 0n)).toEqual([]);
          expect(accounts.filter((a) => !a.posted_ok)).toEqual([]);
          const [{ slots, allocations }] = await db.query(
            `SELECT count(DISTINCT (centre_id, programme_code, fiscal_year))::int AS slots, count(*)::int AS allocations
             FROM ledger_transfers WHERE kind = 'ALLOCATION'`,
          );
          expect(allocations).toBe(slots);

          const actual = Object.fromEntries(accounts.filter((a) => a.kind !== 'SOURCE').map((a) => [a.id, balance(a).toString()]));
          const expected = Object.fromEntries(
            accounts
              .filter((a) => a.kind !== 'SOURCE')
              .map((a) => {
                const [kind, programme, year] = a.id.split(':');
                const value = kind === 'budget' ? model.budget(programme, Number(year)) : (model.grants.get(a.id) ?? 0n);
                return [a.id, String(value)];
              }),
          );
          expect(actual).toEqual(expected);
          for (const grant of model.grants.keys()) expect(actual[grant]).toBeDefined();
          expect(Number((await db.query(`SELECT count(*)::int AS n FROM funding_decisions`))[0].n)).toBe(model.decisions.size);
          // Each allocation reports what was left right after it, as decided in order (in a batch too).
          const allocated: { p: FundingAllocatedV1 }[] = await db.query(
            `SELECT payload::jsonb AS p FROM messaging_outbox WHERE event_type = $1`,
            [EventTypes.FundingAllocatedV1.type],
          );
          expect(
            Object.fromEntries(
              allocated.map(({ p }) => [
                `${p.centreId}:${p.fiscalYear}:${p.occasion}`,
                { grant: p.grantBudgetRemainingCents, posts: p.teacherPostsRemainingHundredths },
              ]),
            ),
          ).toEqual(Object.fromEntries(model.reportedRemaining));
        },
      ),
      { numRuns: 100 },
    );
  });
});
