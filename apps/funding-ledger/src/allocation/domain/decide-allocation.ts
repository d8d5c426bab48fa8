import type { AllocationRejectionReason, FundingOccasion } from '@ki/contracts';
import { Programme, ProgrammeInForce } from '../../programmes/programmes';
import { hostKindOf } from './host-kind';
import { proRataFullMonths, splitEvenly } from './amounts';

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

export type Decision =
  { outcome: 'allocate'; lines: AllocationLine[] } | { outcome: 'reject'; reason: AllocationRejectionReason; detail: string };

/** The shares a centre is entitled to when it opens: programmes whose term in force on the opening day funds openings. */
export function openingShares(centre: CentreFacts, inForce: ProgrammeInForce[]): AllocationLine[] {
  return inForce.flatMap(({ programme, term }): AllocationLine[] => {
    if (term.openingYear === 'NONE') return [];
    const yearly = perCentreAmount(programme, term.share, centre.hostBodyKey);
    if (yearly === undefined) return [];
    const amount = term.openingYear === 'PRO_RATA_FULL_MONTHS' ? proRataFullMonths(yearly, centre.openedOn) : yearly;
    return [{ programme, amount }];
  });
}

/**
 * The shares of every centre open on 1 January for a rollover: per-centre amounts in full, and
 * pots split equally in the order of `centres` (callers sort them by host-body key).
 */
export function rolloverShares(centres: readonly CentreFacts[], inForce: ProgrammeInForce[]): Map<string, AllocationLine[]> {
  const shares = new Map<string, AllocationLine[]>(centres.map((c) => [c.centreId, []]));
  for (const { programme, term } of inForce) {
    if (term.share.kind === 'POT_EQUAL_SPLIT') {
      const parts = splitEvenly(
        term.yearlyBudget,
        centres.map((c) => c.centreId),
      );
      for (const [centreId, amount] of parts) shares.get(centreId)?.push({ programme, amount });
      continue;
    }
    for (const centre of centres) {
      const amount = perCentreAmount(programme, term.share, centre.hostBodyKey);
      if (amount !== undefined) shares.get(centre.centreId)?.push({ programme, amount });
    }
  }
  return shares;
}

/** A programme's yearly amount for one centre, or undefined for pots that are split instead. */
export function perCentreAmount(programme: Programme, share: ProgrammeInForce['term']['share'], hostBodyKey: string): bigint | undefined {
  if (share.kind === 'PER_CENTRE') return share.amount;
  if (share.kind === 'PER_CENTRE_BY_HOST_KIND') return share.byHostKind[hostKindOf(hostBodyKey)];
  return undefined;
}

/**
 * All or nothing: the centre gets every share, or — when one programme's remaining budget is too
 * small, or the centre has closed — nothing, with the reason.
 */
export function decideAllocation(
  centre: CentreFacts,
  occasion: FundingOccasion,
  fundedFrom: string,
  lines: AllocationLine[],
  remaining: ReadonlyMap<string, bigint>,
): Decision {
  // A closure already processed has settled the centre's books; funding after it would never be reversed.
  if (centre.closedOn !== null)
    return {
      outcome: 'reject',
      reason: 'CENTRE_CLOSED',
      detail: `the centre closed on ${centre.closedOn}; no ${occasion} funding from ${fundedFrom}`,
    };
  const funded = lines.filter((l) => l.amount > 0n);
  if (funded.length === 0)
    return {
      outcome: 'reject',
      reason: 'NO_PROGRAMME_FOR_YEAR',
      detail: `no funding programme pays for a centre's ${occasion} on ${fundedFrom}`,
    };
  for (const line of funded) {
    const left = remaining.get(line.programme.code) ?? 0n;
    if (line.amount > left)
      return {
        outcome: 'reject',
        reason: 'BUDGET_EXHAUSTED',
        detail: `${line.programme.code} ${fundedFrom.slice(0, 4)}: ${line.amount} ${line.programme.unit} needed, ${left} left in the budget`,
      };
  }
  return { outcome: 'allocate', lines: funded };
}
