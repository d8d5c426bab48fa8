import type { AllocationRejectionReason, FundingOccasion } from '@ki/contracts';
import { Programme, ProgrammeInForce } from '../../programmes/programmes';
import { hostKindOf } from './host-kind';
import { keptAfterClosure, monthOf, proRataFullMonths, splitEvenly, yearOf } from './amounts';

/** What the ledger knows about a centre when deciding. */
export interface CentreFacts {
  centreId: string;
  hostBodyKey: string;
  openedOn: string;
  closedOn: string | null;
}

/** One programme's share for one centre. */
export interface AllocationLine {
  programme: Programme;
  amount: bigint;
}

/** The budget that was too small: the share needed and what was left, in the programme's unit. */
export interface Shortfall {
  programme: Programme;
  needed: bigint;
  available: bigint;
}

export type Decision =
  | { outcome: 'allocate'; lines: AllocationLine[] }
  | { outcome: 'reject'; reason: AllocationRejectionReason; detail: string; shortfall?: Shortfall };

/**
 * The shares a centre is entitled to when it opens: programmes whose term in force on the opening
 * day funds openings. A centre whose closure is already known gets what it keeps after closing.
 */
export function openingShares(centre: CentreFacts, inForce: ProgrammeInForce[]): AllocationLine[] {
  return inForce.flatMap(({ programme, term }): AllocationLine[] => {
    if (term.openingYear === 'NONE') return [];
    const yearly = perCentreAmount(programme, term.share, centre.hostBodyKey);
    if (yearly === undefined) return [];
    const amount = term.openingYear === 'PRO_RATA_FULL_MONTHS' ? proRataFullMonths(yearly, centre.openedOn) : yearly;
    return [{ programme, amount: kept(centre, programme, amount, yearly, monthOf(centre.openedOn), yearOf(centre.openedOn)) }];
  });
}

/**
 * The shares of the centres open on 1 January of `fiscalYear` for a rollover: per-centre amounts
 * in full, and — when `splitPots` — pots split equally in the order of `centres` (callers sort
 * them by host-body key). A centre whose closure later that year is already known gets what it
 * keeps after closing, as it would had the rollover come first.
 */
export function rolloverShares(
  centres: readonly CentreFacts[],
  inForce: ProgrammeInForce[],
  fiscalYear: number,
  splitPots: boolean,
): Map<string, AllocationLine[]> {
  const shares = new Map<string, AllocationLine[]>(centres.map((c) => [c.centreId, []]));
  for (const { programme, term } of inForce) {
    const pot =
      term.share.kind === 'POT_EQUAL_SPLIT' && splitPots
        ? splitEvenly(
            term.yearlyBudget,
            centres.map((c) => c.centreId),
          )
        : undefined;
    for (const centre of centres) {
      const yearly = perCentreAmount(programme, term.share, centre.hostBodyKey);
      const amount = yearly ?? pot?.get(centre.centreId);
      if (amount !== undefined)
        shares.get(centre.centreId)?.push({ programme, amount: kept(centre, programme, amount, yearly, 1, fiscalYear) });
    }
  }
  return shares;
}

function kept(
  centre: CentreFacts,
  programme: Programme,
  amount: bigint,
  yearly: bigint | undefined,
  fromMonth: number,
  year: number,
): bigint {
  return centre.closedOn === null ? amount : keptAfterClosure(programme.reportAs, amount, yearly, fromMonth, year, centre.closedOn);
}

/** A programme's yearly amount for one centre, or undefined for pots that are split instead. */
export function perCentreAmount(programme: Programme, share: ProgrammeInForce['term']['share'], hostBodyKey: string): bigint | undefined {
  if (share.kind === 'PER_CENTRE') return share.amount;
  if (share.kind === 'PER_CENTRE_BY_HOST_KIND') return share.byHostKind[hostKindOf(hostBodyKey)];
  return undefined;
}

/**
 * All or nothing: the centre gets every share, or — when one programme's remaining budget is too
 * small, or nothing is left to pay (no programme, or a closed centre keeps nothing) — nothing,
 * with the reason.
 */
export function decideAllocation(
  centre: CentreFacts,
  occasion: FundingOccasion,
  fundedFrom: string,
  lines: AllocationLine[],
  remaining: ReadonlyMap<string, bigint>,
): Decision {
  const funded = lines.filter((l) => l.amount > 0n);
  if (funded.length === 0)
    return centre.closedOn === null
      ? {
          outcome: 'reject',
          reason: 'NO_PROGRAMME_FOR_YEAR',
          detail: `no funding programme pays for a centre's ${occasion} on ${fundedFrom}`,
        }
      : {
          outcome: 'reject',
          reason: 'CENTRE_CLOSED',
          detail: `the centre closed on ${centre.closedOn}; nothing to pay for its ${occasion} on ${fundedFrom}`,
        };
  for (const line of funded) {
    const left = remaining.get(line.programme.code) ?? 0n;
    if (line.amount > left)
      return {
        outcome: 'reject',
        reason: 'BUDGET_EXHAUSTED',
        detail: `${line.programme.code} ${fundedFrom.slice(0, 4)}: ${line.amount} ${line.programme.unit} needed, ${left} left in the budget`,
        shortfall: { programme: line.programme, needed: line.amount, available: left },
      };
  }
  return { outcome: 'allocate', lines: funded };
}
