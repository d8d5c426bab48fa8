import { Injectable, Logger } from '@nestjs/common';
import { EnvelopeAttributes } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import { Announcer } from '../announce/announcer';
import { insertFundingResult } from '../database/funding-results.repository';
import { lockOpening, lockOpeningKey } from '../database/openings.repository';
import { FundingFacts, whenFundingArrives } from '../domain/announcement';

/** The ledger's result for one opening, as this service needs it. */
export interface FundingResult {
  openingEventId: string;
  centreId: string;
  hostBodyKey: string;
  funding: FundingFacts;
}

/**
 * The ledger decided the funding of an opening: announce the waiting opening with it, or follow
 * up an opening announced alone, or keep it until the opening arrives (it travels on another topic).
 */
@Injectable()
export class RecordFundingResultHandler {
  private readonly logger = new Logger(RecordFundingResultHandler.name);

  constructor(private readonly announcer: Announcer) {}

  async execute(manager: EntityManager, result: FundingResult, envelope: EnvelopeAttributes): Promise<void> {
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
