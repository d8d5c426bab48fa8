import type { AllocationRejectionReason, AnnouncedFundingStatus, AnnouncementKind, FundingUnit } from '@ki/contracts';
import { formatDateLong, formatDateShort, formatEuroCents, formatTeacherPosts, inPlace } from './german-format';

/** What the registry said about an opening. */
export interface OpeningFacts {
  /** `ce_id` of the centre-opened event; funding results refer to it. */
  openingEventId: string;
  centreId: string;
  hostBodyKey: string;
  hostBodyName: string;
  ordinal: number;
  /** YYYY-MM-DD */
  openedOn: string;
  /** Place of the opening ceremony. */
  place: string;
  /** Postal address of the centre's office, when the registry sent it. */
  seat?: string | null;
  /** When this opening is a reopening: ordinal and closing date of the host body's previous centre. */
  previousOrdinal?: number | null;
  previousClosedOn?: string | null;
}

/** The budget that was too small for a refused allocation, in the programme's unit. */
export interface Shortfall {
  programmeName: string;
  unit: FundingUnit;
  needed: string;
  available: string;
}

/** Sender block and contact line of the press office, from the configuration. */
export interface PressOffice {
  sender: string[];
  contact: string;
}

/** What the ledger decided about the funding of an opening. */
export type FundingFacts =
  | {
      outcome: 'allocated';
      fiscalYear: number;
      grantCents: string;
      teacherPostsHundredths: number;
      kommAnCents: string;
      totalCents: string;
      /** Day the decision became known (Europe/Berlin), YYYY-MM-DD. */
      knownOn: string;
    }
  | {
      outcome: 'rejected';
      fiscalYear: number;
      reason: AllocationRejectionReason;
      /** The ledger's explanation for operators (English); never printed in a press release. */
      detail: string;
      /** The budget that was too small, when the ledger named it. */
      shortfall?: Shortfall;
      knownOn: string;
    };

/** Where an opening stands on its way to being announced. */
export type OpeningState =
  /** Waiting for its funding result, at most until the configured time is over. */
  | 'waiting'
  /** Announced together with its funding result. */
  | 'announced'
  /** Announced without funding figures; a follow-up comes when the result arrives. */
  | 'announced_alone'
  /** Recorded before announcements existed; never announced. */
  | 'recorded'
  /** Its announcement after the wait failed with an error retrying cannot fix; kept with the error for an operator. */
  | 'parked';

/** What follows when an opening arrives: announce at once if its funding is already known, else wait. */
export function whenOpeningArrives(funding: FundingFacts | undefined): 'announce' | 'wait' {
  return funding ? 'announce' : 'wait';
}

/**
 * What follows when a funding result for an opening arrives: the announcement of a waiting
 * opening, a follow-up for one announced alone, keeping it for an opening not seen yet
 * (the two come from different topics, so either can be first), or nothing.
 */
export function whenFundingArrives(opening: OpeningState | undefined): 'announce-opening' | 'announce-follow-up' | 'keep' | 'nothing' {
  switch (opening) {
    case undefined:
      return 'keep';
    case 'waiting':
      return 'announce-opening';
    case 'announced_alone':
      return 'announce-follow-up';
    default:
      return 'nothing';
  }
}

/** What follows when the wait for an opening's funding is over. */
export function whenFundingWaitIsOver(opening: OpeningState): 'announce-alone' | 'nothing' {
  return opening === 'waiting' ? 'announce-alone' : 'nothing';
}

/** An announcement before it gets its number. */
export interface AnnouncementDraft {
  kind: AnnouncementKind;
  /** The date it is issued under: the opening day, or for a follow-up the day the funding became known (never before the opening). */
  announcedOn: string;
  fundingStatus: AnnouncedFundingStatus;
  opening: OpeningFacts;
  funding?: FundingFacts;
}

/** The announcement of an opening, with its funding result when known, or of the funding of an opening announced before. */
export function draftAnnouncement(kind: AnnouncementKind, opening: OpeningFacts, funding?: FundingFacts): AnnouncementDraft {
  if (kind === 'funding' && !funding) throw new RangeError('a funding announcement needs the funding result');
  const announcedOn = kind === 'opening' || !funding ? opening.openedOn : [opening.openedOn, funding.knownOn].sort()[1];
  return { kind, announcedOn, fundingStatus: funding?.outcome ?? 'pending', opening, funding };
}

const REJECTION_TEXTS: Record<AllocationRejectionReason, string> = {
  BUDGET_EXHAUSTED: 'die Mittel des Förderprogramms für dieses Haushaltsjahr sind bereits vollständig vergeben',
  CENTRE_CLOSED: 'das Zentrum ist inzwischen wieder geschlossen',
  NO_PROGRAMME_FOR_YEAR: 'für dieses Haushaltsjahr ist noch kein Förderprogramm festgelegt',
};

/** An amount in a programme's unit, the German way: "155.833,33 €" or "1,5 Lehrerstellen". */
function formatAmount(unit: FundingUnit, amount: string): string {
  return unit === 'EUR_CENT' ? formatEuroCents(amount) : formatTeacherPosts(Number(amount));
}

/**
 * Why funding was refused, in German for the press release: the reason, and for an exhausted
 * budget the programme with the amounts needed and available. Never the ledger's English detail.
 */
export function rejectionText(funding: Extract<FundingFacts, { outcome: 'rejected' }>): string {
  const { shortfall } = funding;
  if (funding.reason === 'BUDGET_EXHAUSTED' && shortfall)
    return (
      `die Mittel des Programms „${shortfall.programmeName}“ für ${funding.fiscalYear} reichen nicht aus ` +
      `(benötigt ${formatAmount(shortfall.unit, shortfall.needed)}, verfügbar ${formatAmount(shortfall.unit, shortfall.available)})`
    );
  return REJECTION_TEXTS[funding.reason] ?? 'die Förderung wurde nicht bewilligt';
}

/** Everything the templates show, already formatted the German way. */
export interface AnnouncementView {
  kind: AnnouncementKind;
  number: string;
  dateLong: string;
  dateShort: string;
  /** "50. Kommunales Integrationszentrum" */
  milestone: string;
  ordinal: number;
  hostBodyName: string;
  /** Place of the opening ceremony, e.g. "Lüdinghausen". */
  place: string;
  /** The same after "in", grammatical for Kreise: "in Lüdinghausen", "im Kreis Coesfeld". */
  inPlace: string;
  /** Postal address of the centre's office, when known. */
  seat?: string;
  /** A reopening: the previous centre's ordinal and closing date. */
  previous?: { ordinal: number; closedOnLong: string };
  openedOnLong: string;
  fundingStatus: AnnouncedFundingStatus;
  allocated?: { fiscalYear: number; grant: string; teacherPosts: string; kommAn?: string; total: string };
  rejected?: { fiscalYear: number; reasonCode: AllocationRejectionReason; reasonText: string };
  pressOffice: PressOffice;
}

/** The view of a numbered announcement for its templates. */
export function announcementView(draft: AnnouncementDraft, number: string, pressOffice: PressOffice): AnnouncementView {
  const { opening, funding } = draft;
  return {
    kind: draft.kind,
    number,
    dateLong: formatDateLong(draft.announcedOn),
    dateShort: formatDateShort(draft.announcedOn),
    milestone: `${opening.ordinal}. Kommunales Integrationszentrum`,
    ordinal: opening.ordinal,
    hostBodyName: opening.hostBodyName,
    place: opening.place,
    inPlace: inPlace(opening.place),
    seat: opening.seat ?? undefined,
    previous:
      opening.previousOrdinal && opening.previousClosedOn
        ? { ordinal: opening.previousOrdinal, closedOnLong: formatDateLong(opening.previousClosedOn) }
        : undefined,
    openedOnLong: formatDateLong(opening.openedOn),
    fundingStatus: draft.fundingStatus,
    allocated:
      funding?.outcome === 'allocated'
        ? {
            fiscalYear: funding.fiscalYear,
            grant: formatEuroCents(funding.grantCents),
            teacherPosts: formatTeacherPosts(funding.teacherPostsHundredths),
            kommAn: BigInt(funding.kommAnCents) > 0n ? formatEuroCents(funding.kommAnCents) : undefined,
            total: formatEuroCents(funding.totalCents),
          }
        : undefined,
    rejected:
      funding?.outcome === 'rejected'
        ? { fiscalYear: funding.fiscalYear, reasonCode: funding.reason, reasonText: rejectionText(funding) }
        : undefined,
    pressOffice,
  };
}
