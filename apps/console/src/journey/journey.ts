import { EventTypes } from '@ki/contracts';
import { deadLetterIdentity, IndexedMessage } from '../message-index/indexed-message';
import { maskPayload } from '../shared/masking';

/** The steps of a centre's journey, in the order they should happen. */
export const JourneySteps = ['registered', 'opened', 'funding', 'announced', 'delivered'] as const;
export type JourneyStep = (typeof JourneySteps)[number];

const stepOfType: Record<string, JourneyStep | 'closed' | 'reversed'> = {
  [EventTypes.CentreRegisteredV1.type]: 'registered',
  [EventTypes.CentreOpenedV1.type]: 'opened',
  [EventTypes.FundingAllocatedV1.type]: 'funding',
  [EventTypes.FundingAllocationRejectedV1.type]: 'funding',
  [EventTypes.AnnouncementPublishedV1.type]: 'announced',
  [EventTypes.AnnouncementDeliverySucceededV1.type]: 'delivered',
  [EventTypes.AnnouncementDeliveryFailedV1.type]: 'delivered',
  [EventTypes.CentreClosedV1.type]: 'closed',
  [EventTypes.FundingReversedV1.type]: 'reversed',
};

/** One event of a journey, with what an operator wants to read of it. */
export interface JourneyEntry {
  step: string;
  type: string;
  id?: string;
  time?: string;
  source?: string;
  correlationId?: string;
  /** One line for people, e.g. "allocated 155,833.33 EUR (budget left 1,234.00 EUR)". */
  summary: string;
  /** The event's payload (amounts in cents as in the contract), sensitive fields masked. */
  payload: unknown;
  /** The message was dead-lettered by this consumer group (the entry is a failure, not a step done). */
  deadLetteredBy?: string;
  deadLetterReason?: string;
}

/** A step that has not happened yet; overdue when its predecessor is older than the threshold. */
export interface MissingStep {
  step: JourneyStep;
  waitingSince: string;
  overdue: boolean;
}

export interface Journey {
  query: string;
  hostBodyKeys: string[];
  entries: JourneyEntry[];
  missing: MissingStep[];
}

/** Cents as a decimal string ("15583333") in German-neutral notation: "155,833.33 EUR". */
export function formatCents(cents: string | undefined): string {
  if (!cents || !/^-?\d+$/.test(cents)) return '? EUR';
  const negative = cents.startsWith('-');
  const digits = (negative ? cents.slice(1) : cents).padStart(3, '0');
  const euros = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${euros}.${digits.slice(-2)} EUR`;
}

/** Hundredths of a unit (teacher posts) without trailing zeros, by integer arithmetic: 200 → "2", 350 → "3.5", 5 → "0.05". */
export function formatHundredths(hundredths: unknown): string {
  if (typeof hundredths !== 'number' || !Number.isSafeInteger(hundredths) || hundredths < 0) return '?';
  const value = BigInt(hundredths);
  const fraction = (value % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  const whole = (value / 100n).toString();
  return fraction ? `${whole}.${fraction}` : whole;
}

function summarize(message: IndexedMessage): string {
  const p = (message.payload ?? {}) as Record<string, unknown>;
  switch (message.type) {
    case EventTypes.CentreRegisteredV1.type:
      return `registered: ${String(p.name ?? '')}`;
    case EventTypes.CentreOpenedV1.type:
      return `opened on ${String(p.openedOn)}${p.dateStatus === 'assumed' ? ' (date assumed)' : ''} in ${String(p.place)} as centre no. ${String(
        p.ordinal,
      )}${p.historical === true ? ', recorded later by the history import (not announced)' : ''}${
        p.previousOrdinal ? `, successor of centre no. ${String(p.previousOrdinal)} closed on ${String(p.previousClosedOn)}` : ''
      }`;
    case EventTypes.FundingAllocatedV1.type:
      return `funding allocated for ${String(p.fiscalYear)}: grant ${formatCents(p.grantCents as string)}, total ${formatCents(
        p.totalCents as string,
      )} (grant budget left ${formatCents(p.grantBudgetRemainingCents as string)}; teacher posts ${formatHundredths(p.teacherPostsHundredths)}, left ${formatHundredths(
        p.teacherPostsRemainingHundredths,
      )})`;
    case EventTypes.FundingAllocationRejectedV1.type:
      return `funding rejected for ${String(p.fiscalYear)}: ${String(p.reason)} — ${String(p.detail)}`;
    case EventTypes.AnnouncementPublishedV1.type:
      return `announcement ${String(p.number)} published (${String(p.kind)}): ${String(p.title)}`;
    case EventTypes.AnnouncementDeliverySucceededV1.type:
      return `delivered by ${String(p.channel)} after ${String(p.attempts)} attempt(s)`;
    case EventTypes.AnnouncementDeliveryFailedV1.type:
      return `delivery by ${String(p.channel)} failed: ${String(p.reason)} (${String(p.lastError)})`;
    case EventTypes.CentreClosedV1.type:
      return `closed on ${String(p.closedOn)}: ${String(p.reason)}`;
    case EventTypes.FundingReversedV1.type:
      return `funding reversed: ${formatCents(p.reversedGrantCents as string)} back to the budget`;
    default:
      return message.type ?? 'message without type';
  }
}

function entryOf(message: IndexedMessage, reveal: boolean): JourneyEntry {
  const entry: JourneyEntry = {
    step: stepOfType[message.type ?? ''] ?? 'other',
    type: message.type ?? 'unknown',
    id: message.id,
    time: message.time,
    source: message.source,
    correlationId: message.correlationId,
    summary: summarize(message),
    payload: maskPayload(message.type, message.payload, reveal),
  };
  if (message.deadLetter) {
    entry.deadLetteredBy = message.deadLetter.consumerGroup;
    entry.deadLetterReason = `${message.deadLetter.errorCode}: ${message.deadLetter.error}`;
    entry.summary = `dead-lettered by ${message.deadLetter.consumerGroup}: ${entry.summary}`;
  }
  return entry;
}

/**
 * The timeline of the messages about one centre (or one correlation id): valid events once each
 * (a replayed event keeps its id), dead letters as failures, and the next missing step flagged
 * overdue when the step before it happened more than `overdueAfterMs` ago.
 */
export function buildJourney(
  query: string,
  messages: IndexedMessage[],
  options: { now: Date; overdueAfterMs: number; reveal: boolean },
): Journey {
  const seen = new Set<string>();
  const entries: JourneyEntry[] = [];
  for (const message of messages) {
    if (!message.deadLetter && message.invalid) continue;
    const identity = message.deadLetter ? `dlq:${deadLetterIdentity(message.deadLetter)}` : `${message.topic}:${message.id}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    entries.push(entryOf(message, options.reveal));
  }
  entries.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  const done = (step: JourneyStep) => entries.find((e) => e.step === step && !e.deadLetteredBy);
  const missing: MissingStep[] = [];
  // A historical opening (recorded later by the registry's history import) is never announced.
  const historical = (done('opened')?.payload as { historical?: unknown } | undefined)?.historical === true;
  // Funding waits for the opening, the announcement for the funding; deliveries depend on subscribers, so they are never overdue.
  for (const [step, after] of [
    ['funding', 'opened'],
    ['announced', 'funding'],
  ] as const) {
    const before = done(after);
    if (!before?.time || done(step) || (step === 'announced' && historical)) continue;
    missing.push({ step, waitingSince: before.time, overdue: options.now.getTime() - Date.parse(before.time) > options.overdueAfterMs });
  }
  const hostBodyKeys = [...new Set(messages.map((m) => m.hostBodyKey).filter((k): k is string => !!k))];
  return { query, hostBodyKeys, entries, missing };
}
