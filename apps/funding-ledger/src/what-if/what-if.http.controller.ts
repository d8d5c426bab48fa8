import { IsHostBodyKey, IsCalendarDate } from '@ki/contracts';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsString, Length, ValidateNested } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AllocateOnOpening } from '../allocation/allocate-on-opening';

class HypotheticalOpening {
  @IsHostBodyKey()
  hostBodyKey: string;

  @IsString()
  @Length(1, 200)
  hostBodyName: string;

  @IsCalendarDate()
  openedOn: string;
}

class WhatIfBody {
  @ValidateNested({ each: true })
  @Type(() => HypotheticalOpening)
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  openings: HypotheticalOpening[];
}

/** The effect a hypothetical opening would have; amounts as integer strings (cents, hundredths of a post). */
interface WhatIfResult {
  hostBodyKey: string;
  openedOn: string;
  outcome: 'allocate' | 'reject';
  reason?: string;
  detail?: string;
  lines: { programmeCode: string; unit: string; amount: string }[];
  budgetsRemaining: Record<string, string>;
}

/** Thrown to roll the dry run back after it has computed its answer. */
class DryRun extends Error {
  constructor(readonly results: WhatIfResult[]) {
    super('dry run rolled back');
  }
}

@ApiTags('ledger')
@Controller()
export class WhatIfHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly allocateOnOpening: AllocateOnOpening,
  ) {}

  /**
   * Runs the real allocation path for the given openings, in order, inside a transaction that is
   * always rolled back: the answer is exactly what booking would do, and nothing is booked or published.
   */
  @Post('what-if')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry run: what these openings would be allocated, without booking anything' })
  async whatIf(@Body() body: WhatIfBody): Promise<{ results: WhatIfResult[] }> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const results: WhatIfResult[] = [];
        for (const [i, opening] of body.openings.entries()) {
          const outcome = await this.allocateOnOpening.execute(
            manager,
            { centreId: randomUUID(), territoryKey: opening.hostBodyKey.slice(0, 5), ordinal: 1000 + i, place: 'what-if', ...opening },
            `what-if:${randomUUID()}`,
          );
          results.push({
            hostBodyKey: opening.hostBodyKey,
            openedOn: opening.openedOn,
            outcome: outcome.outcome,
            ...(outcome.outcome === 'reject' ? { reason: outcome.reason, detail: outcome.detail } : {}),
            lines:
              outcome.outcome === 'allocate'
                ? outcome.lines.map((l) => ({ programmeCode: l.programme.code, unit: l.programme.unit, amount: l.amount.toString() }))
                : [],
            budgetsRemaining: Object.fromEntries([...outcome.remaining].map(([code, left]) => [code, left.toString()])),
          });
        }
        throw new DryRun(results);
      });
    } catch (err) {
      if (err instanceof DryRun) return { results: err.results };
      throw err;
    }
    throw new Error('the dry run transaction committed');
  }
}
