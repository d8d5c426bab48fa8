import { Body, Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags, PickType } from '@nestjs/swagger';
import { CentreOpenedV1 } from '@ki/contracts';
import { RequireRole } from '@ki/platform';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ValidateNested } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AllocateOnOpening } from '../allocation/allocate-on-opening';

/** A hypothetical opening: the fields of centre-opened the allocation depends on, with the same checks. */
class HypotheticalOpening extends PickType(CentreOpenedV1, ['hostBodyKey', 'hostBodyName', 'openedOn'] as const) {}

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

@ApiTags('ledger')
@Controller()
export class WhatIfHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly allocateOnOpening: AllocateOnOpening,
  ) {}

  /**
   * Runs the real allocation path for the given openings, in order, inside a transaction that is
   * always rolled back: the answer is exactly what booking would do, and nothing is booked or
   * published. It takes the budget locks like a real allocation, so it needs a key and gives up
   * quickly rather than hold up the consumers.
   */
  @Post('what-if')
  @HttpCode(200)
  @RequireRole('ledger:plan')
  @ApiHeader({ name: 'X-API-Key', description: 'API key with the role ledger:plan', required: true })
  @ApiOperation({ summary: 'Dry run: what these openings would be allocated, without booking anything' })
  async whatIf(@Body() body: WhatIfBody): Promise<{ results: WhatIfResult[] }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = '2s'`);
      await runner.query(`SET LOCAL statement_timeout = '10s'`);
      const results: WhatIfResult[] = [];
      for (const [i, opening] of body.openings.entries()) {
        const outcome = await this.allocateOnOpening.execute(
          runner.manager,
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
      return { results };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '55P03' || code === '57014')
        throw new ServiceUnavailableException('the budgets are busy with allocations; try the dry run again in a moment');
      throw err;
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }
}
