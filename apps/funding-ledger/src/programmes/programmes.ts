import fs from 'node:fs';
import path from 'node:path';

/** The shipped programme configuration, seeded from the Land's published figures. */
export const DEFAULT_PROGRAMMES_FILE = path.join(__dirname, 'nrw-programmes.json');

/** Units the ledger books: money in cents, teacher posts in hundredths of a post. */
export type Unit = 'EUR_CENT' | 'POST_HUNDREDTH';

/** Kind of host body, which decides the KOMM-AN NRW part I share. */
export type HostKind = 'KREIS' | 'KREISFREIE_STADT';

/** How a programme's yearly money is shared among centres. */
export type Share =
  | { kind: 'PER_CENTRE'; amount: bigint }
  | { kind: 'PER_CENTRE_BY_HOST_KIND'; byHostKind: Record<HostKind, bigint> }
  | { kind: 'POT_EQUAL_SPLIT' };

/**
 * What a centre opening mid-year gets from a programme in its opening year:
 * PRO_RATA_FULL_MONTHS (full months from the opening month), FULL, or NONE (only from the next rollover).
 */
export type OpeningYearPolicy = 'PRO_RATA_FULL_MONTHS' | 'FULL' | 'NONE';

/** One version of a programme's rules, in force from `validFrom` up to `validUntil` (inclusive, open-ended if absent). */
export interface ProgrammeTerm {
  validFrom: string;
  validUntil?: string;
  share: Share;
  openingYear: OpeningYearPolicy;
  yearlyBudget: bigint;
  /** Fields of this term that are the project's assumptions, not published figures, with why: e.g. `{ yearlyBudget: "…" }`. */
  assumed: Partial<Record<AssumableField, string>>;
}

/** Fields of a term that can be marked as assumed. */
export const ASSUMABLE_FIELDS = ['share', 'openingYear', 'yearlyBudget', 'validUntil'] as const;
export type AssumableField = (typeof ASSUMABLE_FIELDS)[number];

/** Which field of the funding-allocated event a programme counts towards. */
export type ReportAs = 'GRANT' | 'TEACHER_POSTS' | 'KOMM_AN';

export interface Programme {
  code: string;
  name: string;
  unit: Unit;
  reportAs: ReportAs;
  legalBasis: string;
  /** Reporting value of one unit in cents (teacher posts); absent for money. */
  valuePerUnitCents?: bigint;
  terms: ProgrammeTerm[];
}

/** A programme together with the term that applies on a given date. */
export interface ProgrammeInForce {
  programme: Programme;
  term: ProgrammeTerm;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const WHOLE = /^\d{1,15}$/;

function whole(value: unknown, where: string): bigint {
  if (typeof value !== 'string' || !WHOLE.test(value))
    throw new Error(`${where} must be a whole number written as a string, got ${JSON.stringify(value)}`);
  return BigInt(value);
}

function date(value: unknown, where: string): string {
  if (typeof value !== 'string' || !DATE.test(value)) throw new Error(`${where} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) throw new Error(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

type Raw = Record<string, unknown>;

function parseShare(raw: Raw, where: string): Share {
  const kind = oneOf(raw.kind, ['PER_CENTRE', 'PER_CENTRE_BY_HOST_KIND', 'POT_EQUAL_SPLIT'] as const, `${where}.kind`);
  if (kind === 'PER_CENTRE') return { kind, amount: whole(raw.amount, `${where}.amount`) };
  if (kind === 'PER_CENTRE_BY_HOST_KIND')
    return {
      kind,
      byHostKind: { KREIS: whole(raw.KREIS, `${where}.KREIS`), KREISFREIE_STADT: whole(raw.KREISFREIE_STADT, `${where}.KREISFREIE_STADT`) },
    };
  return { kind };
}

function parseAssumed(raw: unknown, where: string): ProgrammeTerm['assumed'] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object of field: reason`);
  const assumed: ProgrammeTerm['assumed'] = {};
  for (const [field, why] of Object.entries(raw)) {
    const key = oneOf(field, ASSUMABLE_FIELDS, `${where} key`);
    if (typeof why !== 'string' || why.length === 0) throw new Error(`${where}.${field} must say why it is assumed`);
    assumed[key] = why;
  }
  return assumed;
}

function parseTerm(raw: Raw, where: string): ProgrammeTerm {
  const term: ProgrammeTerm = {
    validFrom: date(raw.validFrom, `${where}.validFrom`),
    share: parseShare((raw.share ?? {}) as Raw, `${where}.share`),
    openingYear: oneOf(raw.openingYear, ['PRO_RATA_FULL_MONTHS', 'FULL', 'NONE'] as const, `${where}.openingYear`),
    yearlyBudget: whole(raw.yearlyBudget, `${where}.yearlyBudget`),
    assumed: parseAssumed(raw.assumed ?? {}, `${where}.assumed`),
  };
  if (raw.validUntil !== undefined) term.validUntil = date(raw.validUntil, `${where}.validUntil`);
  if (term.share.kind === 'POT_EQUAL_SPLIT' && term.openingYear !== 'NONE')
    throw new Error(`${where}: a pot split among the centres open on 1 January cannot apply to openings (openingYear must be NONE)`);
  return term;
}

/** Parses and checks the programme configuration; throws naming the broken field. */
export function parseProgrammes(json: unknown): Programme[] {
  const list = (json as Raw)?.programmes;
  if (!Array.isArray(list) || list.length === 0) throw new Error('programmes must be a non-empty list');
  const codes = new Set<string>();
  return list.map((raw: Raw, i) => {
    const where = `programmes[${i}]`;
    const code = raw.code;
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]{1,40}$/.test(code)) throw new Error(`${where}.code must be UPPER_SNAKE_CASE`);
    if (codes.has(code)) throw new Error(`${where}.code ${code} appears twice`);
    codes.add(code);
    if (typeof raw.name !== 'string' || typeof raw.legalBasis !== 'string') throw new Error(`${where} needs a name and a legalBasis`);
    if (!Array.isArray(raw.terms) || raw.terms.length === 0) throw new Error(`${where}.terms must be a non-empty list`);
    const programme: Programme = {
      code,
      name: raw.name,
      unit: oneOf(raw.unit, ['EUR_CENT', 'POST_HUNDREDTH'] as const, `${where}.unit`),
      reportAs: oneOf(raw.reportAs, ['GRANT', 'TEACHER_POSTS', 'KOMM_AN'] as const, `${where}.reportAs`),
      legalBasis: raw.legalBasis,
      terms: raw.terms.map((t: Raw, j: number) => parseTerm(t, `${where}.terms[${j}]`)),
    };
    if (raw.valuePerUnitCents !== undefined) programme.valuePerUnitCents = whole(raw.valuePerUnitCents, `${where}.valuePerUnitCents`);
    if ((programme.reportAs === 'TEACHER_POSTS') !== (programme.unit === 'POST_HUNDREDTH'))
      throw new Error(`${where}: teacher posts are counted in POST_HUNDREDTH and only they are`);
    return programme;
  });
}

export function loadProgrammes(file: string): Programme[] {
  try {
    return parseProgrammes(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`programme configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The term of `programme` in force on `day` (YYYY-MM-DD), the newest one when terms overlap. */
export function termOn(programme: Programme, day: string): ProgrammeTerm | undefined {
  return programme.terms
    .filter((t) => t.validFrom <= day && (t.validUntil === undefined || day <= t.validUntil))
    .sort((a, b) => b.validFrom.localeCompare(a.validFrom))[0];
}

/** Every programme with a term in force on `day`. */
export function programmesInForce(programmes: Programme[], day: string): ProgrammeInForce[] {
  return programmes.flatMap((programme) => {
    const term = termOn(programme, day);
    return term ? [{ programme, term }] : [];
  });
}

/** The term that sets a programme's budget for fiscal year `year`: the one in force on 1 January, else the first starting in the year. */
export function budgetTermOf(programme: Programme, year: number): ProgrammeTerm | undefined {
  return (
    termOn(programme, `${year}-01-01`) ??
    programme.terms.filter((t) => t.validFrom.startsWith(`${year}-`)).sort((a, b) => a.validFrom.localeCompare(b.validFrom))[0]
  );
}

/** Injection token of the loaded programme configuration. */
export const PROGRAMMES = Symbol('PROGRAMMES');
