import { Injectable, Logger } from '@nestjs/common';
import { FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { BatchedEvent, NonRetryableError } from '@ki/messaging';
import type { EntityManager } from 'typeorm';
import { AnnouncementRequest, Announcer } from '../announce/announcer';
import { insertFundingResults } from '../database/funding-results.repository';
import { lockOpeningKeys, lockOpenings } from '../database/openings.repository';
import { FundingFacts, whenFundingArrives } from '../domain/announcement';
import { berlinDate } from '../domain/german-format';

/** The ledger's result for one opening, as this service needs it. */
export interface FundingResult {
  openingEventId: string;
  centreId: string;
  hostBodyKey: string;
  funding: FundingFacts;
}

/** A decision of the ledger on funding, as either of its events carries it. */
export type FundingDecision = FundingAllocatedV1 | FundingAllocationRejectedV1;

/**
 * The funding result a decision of the ledger stands for, known on the day (in Germany) of the
 * event's `time`; undefined for decisions not taken for an opening (annual rollovers are not
 * announced). A `time` that is no instant cannot get better by retrying.
 */
export function fundingResultOf(decision: FundingDecision, time: string): FundingResult | undefined {
  if (decision.occasion !== 'opening') return undefined;
  const instant = new Date(time);
  if (Number.isNaN(instant.getTime()))
    throw new NonRetryableError('NOTIFICATIONS.EVENT_TIME_INVALID', `the event time ${JSON.stringify(time)} is not an instant`);
  const knownOn = berlinDate(instant);
  const funding: FundingFacts =
    'grantCents' in decision
      ? {
          outcome: 'allocated',
          fiscalYear: decision.fiscalYear,
          grantCents: decision.grantCents,
          teacherPostsHundredths: decision.teacherPostsHundredths,
          kommAnCents: decision.kommAnCents,
          totalCents: decision.totalCents,
          knownOn,
        }
      : {
          outcome: 'rejected',
          fiscalYear: decision.fiscalYear,
          reason: decision.reason,
          detail: decision.detail,
          shortfall:
            decision.programmeName && decision.unit && decision.neededAmount && decision.availableAmount
              ? {
                  programmeName: decision.programmeName,
                  unit: decision.unit,
                  needed: decision.neededAmount,
                  available: decision.availableAmount,
                }
              : undefined,
          knownOn,
        };
  return { openingEventId: decision.causationEventId, centreId: decision.centreId, hostBodyKey: decision.hostBodyKey, funding };
}

/**
 * The ledger decided the funding of openings: announce each waiting opening with its result, or
 * follow up an opening announced alone, or keep the result until the opening arrives (it travels
 * on another topic). A chunk's results are locked, stored and announced with one statement for
 * each kind of read and write.
 */
@Injectable()
export class RecordFundingResultHandler {
  private readonly logger = new Logger(RecordFundingResultHandler.name);

  constructor(private readonly announcer: Announcer) {}

  async execute(manager: EntityManager, events: BatchedEvent<FundingDecision>[]): Promise<void> {
    const arriving = events.flatMap((event) => {
      const result = fundingResultOf(event.payload, event.envelope.time);
      return result ? [{ event, result: { ...result, eventId: event.envelope.id } }] : [];
    });
    if (arriving.length === 0) return;
    const openingIds = arriving.map(({ result }) => result.openingEventId);
    await lockOpeningKeys(manager, openingIds);
    const stored = await insertFundingResults(
      manager,
      arriving.map(({ result }) => result),
    );
    const openings = await lockOpenings(manager, openingIds);
    const requests: AnnouncementRequest[] = [];
    for (const { event, result } of arriving) {
      if (!stored.has(result.eventId)) {
        this.logger.warn(
          `a second funding result (${event.envelope.type} ${event.envelope.id}) for opening ${result.openingEventId} is ignored`,
        );
        continue;
      }
      const opening = openings.get(result.openingEventId);
      const inTrace = event.inTrace;
      switch (whenFundingArrives(opening?.state)) {
        case 'announce-opening':
          if (opening) requests.push({ kind: 'opening', opening, funding: result.funding, inTrace });
          break;
        case 'announce-follow-up':
          if (opening) requests.push({ kind: 'funding', opening, funding: result.funding, inTrace });
          break;
        case 'keep':
        case 'nothing':
          break;
      }
    }
    await this.announcer.announceAll(manager, requests);
  }
}
