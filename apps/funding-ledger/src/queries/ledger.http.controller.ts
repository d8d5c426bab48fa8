import { IsCalendarDate } from '@ki/contracts';
import { pageOf, pageOfRows, PageQuery, Public } from '@ki/platform';
import { Controller, Get, Header, Inject, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import type { Request, Response } from 'express';
import { IsFiscalYear } from '../fiscal-year';
import { Programme, PROGRAMMES } from '../programmes/programmes';
import { LedgerQueries, toCsv } from './ledger-queries';

const today = () => new Date().toISOString().slice(0, 10);

class AsOfQuery {
  /** Day the balance is taken at (value date), YYYY-MM-DD; today when absent. */
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
}

class AccountsQuery extends IntersectionType(AsOfQuery, PageQuery) {
  @IsOptional()
  @IsUUID()
  centreId?: string;

  @IsOptional()
  @IsFiscalYear()
  fiscalYear?: number;

  @IsOptional()
  @IsIn(['SOURCE', 'BUDGET', 'GRANT'])
  kind?: string;
}

class DecisionsQuery extends PageQuery {
  @IsOptional()
  @IsUUID()
  centreId?: string;

  @IsOptional()
  @IsFiscalYear()
  fiscalYear?: number;
}

class YearQuery extends PageQuery {
  @IsOptional()
  @IsFiscalYear()
  fiscalYear?: number;

  /** `csv` for a spreadsheet-ready export. */
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

class UtilisationQuery {
  @IsFiscalYear()
  fiscalYear: number;

  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

function send(res: Response, format: string | undefined, rows: object[], columns: string[], filename: string): void {
  if (format === 'csv') {
    res
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="${filename}.csv"`)
      .send(toCsv(rows as Record<string, unknown>[], columns));
    return;
  }
  res.json(rows);
}

/** Read-only views of the books; amounts are integer strings in each account's unit (cents or hundredths of a post). */
@ApiTags('ledger')
@Public()
@Controller()
export class LedgerHttpController {
  constructor(
    private readonly queries: LedgerQueries,
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
  ) {}

  @Get('programmes')
  @ApiOperation({ summary: 'Funding programmes with their terms (amounts in cents or hundredths of a post)' })
  programmesList() {
    return JSON.parse(JSON.stringify(this.programmes, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
  }

  @Get('accounts')
  @ApiOperation({ summary: 'Accounts with their balances as of a day, filtered by centre, fiscal year or kind' })
  async accounts(@Query() query: AccountsQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = pageOf(query);
    return pageOfRows(await this.queries.accounts(query, query.asOf ?? today(), page), page, req, res);
  }

  @Get('accounts/:accountId/balance')
  @ApiOperation({ summary: 'Balance of one account as of a day, e.g. budget:MAIS_KI_GRANT:2016' })
  balance(@Param('accountId') accountId: string, @Query() query: AsOfQuery) {
    return this.queries.balance(accountId, query.asOf ?? today());
  }

  @Get('centres/:centreId/statement')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: "A centre's statement: every transfer to or from its grant accounts (format=csv to export)" })
  async statement(
    @Param('centreId', new ParseUUIDPipe()) centreId: string,
    @Query() query: YearQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const page = pageOf(query);
    const lines = pageOfRows(await this.queries.statement(centreId, query.fiscalYear, page), page, req, res);
    send(
      res,
      query.format,
      lines,
      [
        'valueDate',
        'kind',
        'programmeCode',
        'fiscalYear',
        'unit',
        'amount',
        'legalBasis',
        'transferId',
        'causedByEventId',
        'reversesTransferId',
        'openingDateStatus',
      ],
      `statement-${centreId}`,
    );
  }

  @Get('utilisation')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: 'Budget, allocated, reversed and remaining per programme for a fiscal year (format=csv to export)' })
  async utilisation(@Query() query: UtilisationQuery, @Res() res: Response): Promise<void> {
    const rows = await this.queries.utilisation(query.fiscalYear);
    send(
      res,
      query.format,
      rows,
      ['programmeCode', 'fiscalYear', 'unit', 'budget', 'allocated', 'reversed', 'remaining', 'utilisationBasisPoints', 'centresFunded'],
      `utilisation-${query.fiscalYear}`,
    );
  }

  @Get('decisions')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Funding decisions, allocated or rejected with their reason' })
  async decisions(@Query() query: DecisionsQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = pageOf(query);
    return pageOfRows(await this.queries.decisions(query, page), page, req, res);
  }
}
