import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { RequireRole } from '../auth/api-keys';
import { CloseCentreCommand } from './close-centre/close-centre.command';
import { CloseCentreHandler } from './close-centre/close-centre.handler';
import { CentreStatus } from './domain/centre';
import { OpenCentreCommand } from './open-centre/open-centre.command';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { CentreQueries } from './queries/centre-queries';
import { RegisterCentreCommand } from './register-centre/register-centre.command';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';
import { RegistryErrorsFilter } from './registry-errors.filter';

class CentreListQuery {
  @IsOptional()
  @IsIn(['registered', 'open', 'closed'])
  status?: CentreStatus;

  @IsOptional()
  @Matches(/^05\d{3}$/, { message: 'territoryKey must be a 5-digit NRW territory key' })
  territoryKey?: string;

  @IsOptional()
  @IsIn(['Düsseldorf', 'Köln', 'Münster', 'Detmold', 'Arnsberg'])
  regierungsbezirk?: string;
}

class AsOfQuery {
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'asOf must be a calendar date YYYY-MM-DD' })
  asOf?: string;
}

const today = () => new Date().toISOString().slice(0, 10);
const apiKey = ApiHeader({ name: 'X-API-Key', description: 'API key with the role registry:write', required: true });

@ApiTags('centres')
@UseFilters(RegistryErrorsFilter)
@Controller()
export class CentresHttpController {
  constructor(
    private readonly register: RegisterCentreHandler,
    private readonly open: OpenCentreHandler,
    private readonly close: CloseCentreHandler,
    private readonly queries: CentreQueries,
  ) {}

  @Post('centres')
  @RequireRole('registry:write')
  @apiKey
  @ApiOperation({ summary: 'Register a centre for a host body (409 if it has an active centre)' })
  registerCentre(@Body() command: RegisterCentreCommand) {
    return this.register.execute(command);
  }

  @Post('centres/:id/open')
  @HttpCode(200)
  @RequireRole('registry:write')
  @apiKey
  @ApiOperation({ summary: 'Open a registered centre; it gets the next statewide ordinal' })
  openCentre(@Param('id', ParseUUIDPipe) id: string, @Body() command: OpenCentreCommand) {
    return this.open.execute(id, command);
  }

  @Post('centres/:id/close')
  @HttpCode(200)
  @RequireRole('registry:write')
  @apiKey
  @ApiOperation({ summary: 'Close an open centre' })
  closeCentre(@Param('id', ParseUUIDPipe) id: string, @Body() command: CloseCentreCommand) {
    return this.close.execute(id, command);
  }

  @Get('centres')
  @ApiOperation({ summary: 'Centres, filtered by status, territory or Regierungsbezirk, in order of opening' })
  centres(@Query() filter: CentreListQuery) {
    return this.queries.centres(filter);
  }

  @Get('centres/:id')
  @ApiOperation({ summary: 'One centre' })
  centre(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.centre(id);
  }

  @Get('centres/:id/history')
  @ApiOperation({ summary: "The centre's events, oldest first" })
  history(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.history(id);
  }

  @Get('territories')
  @ApiQuery({ name: 'asOf', required: false, description: 'date of the coverage (default: today)' })
  @ApiOperation({ summary: 'The 53 territories with the number of centres open in each' })
  territories(@Query() query: AsOfQuery) {
    return this.queries.territories(query.asOf ?? today());
  }

  @Get('coverage')
  @ApiQuery({ name: 'asOf', required: false, description: 'date of the summary (default: today)' })
  @ApiOperation({ summary: 'Centres open, territories covered and territories without a centre on a date' })
  coverage(@Query() query: AsOfQuery) {
    return this.queries.coverage(query.asOf ?? today());
  }
}
