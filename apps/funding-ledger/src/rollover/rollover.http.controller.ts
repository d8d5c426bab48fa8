import { Controller, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { IsFiscalYear } from '../fiscal-year';
import { LedgerErrorsFilter } from '../ledger-errors.filter';
import { FiscalYearRollover, RolloverSummary } from './fiscal-year-rollover';

class YearParam {
  @IsFiscalYear()
  year: number;
}

@ApiTags('fiscal years')
@UseFilters(LedgerErrorsFilter)
@Controller()
export class RolloverHttpController {
  constructor(private readonly rollover: FiscalYearRollover) {}

  @Post('fiscal-years/:year/rollover')
  @HttpCode(200)
  @RequireRole('ledger:write')
  @ApiHeader({ name: 'X-API-Key', description: 'API key with the role ledger:write', required: true })
  @ApiOperation({ summary: 'Open a fiscal year and allocate the annual funding to every centre open on 1 January (idempotent)' })
  run(@Param() { year }: YearParam): Promise<RolloverSummary> {
    return this.rollover.execute(year, new Date().toISOString().slice(0, 10));
  }
}
