import { Injectable, Logger } from '@nestjs/common';
import { EnvelopeAttributes, FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { NonRetryableError } from '@ki/messaging';
import type { EntityManager } from 'typeorm';
import { Announcer } from '../announce/announcer';
import { insertFundingResult } from '../database/funding-results.repository';
import { lockOpening, lockOpeningKey } from '../database/openings.repository';
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
 * The ledger decided the funding of an opening: announce the waiting opening with it, or follow
 * up an opening announced alone, or keep it until the opening arrives (it travels on another topic).
 */
@Injectable()
export class RecordFundingResultHandler {
  private readonly logger = new Logger(RecordFundingResultHandler.name);

  constructor(private readonly announcer: Announcer) {}

  async execute(manager: EntityManager, decision: FundingDecision, envelope: EnvelopeAttributes): Promise<void> {
    const result = fundingResultOf(decision, envelope.time);
    if (!result) return;
    await lockOpeningKey(manager, result.openingEventId);
    const stored = await insertFundingResult(manager, { ...result, eventId: envelope.id });
    if (!stored) {
      this.logger.warn(`a second funding result (${envelope.type} ${envelope.id}) for opening ${result.openingEventId} is ignored`);
      return;
    }
    const opening = await lockOpening(manager, result.openingEventId);
    switch (whenFundingArrives(opening?.state)) {
      case 'announce-opening':
        if (opening) await this.announcer.announce(manager, 'opening', opening, result.funding);
        return;
      case 'announce-follow-up':
        if (opening) await this.announcer.announce(manager, 'funding', opening, result.funding);
        return;
      case 'keep':
      case 'nothing':
        return;
    }
  }
}
