import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags, OmitType } from '@nestjs/swagger';
import { classSchema, CloseCentreV1, IsCalendarDate, IsTerritoryKey, OpenCentreV1, RegisterCentreV1 } from '@ki/contracts';
import { acceptedApiKey, pageOf, pageOfRows, PageQuery, Public, RequireRole } from '@ki/platform';
import type { Request, Response } from 'express';
import { IsIn, IsOptional } from 'class-validator';
import { CloseCentreHandler } from './close-centre/close-centre.handler';
import { Centre } from './database/centre.entity';
import { CentreStatus } from './domain/centre';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { CentreQueries } from './queries/centre-queries';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';
import { RegistryErrorsFilter } from './registry-errors.filter';

class CentreListQuery extends PageQuery {
  @IsOptional()
  @IsIn(['registered', 'open', 'closed'])
  status?: CentreStatus;

  @IsOptional()
  @IsTerritoryKey()
  territoryKey?: string;

  @IsOptional()
  @IsIn(['Düsseldorf', 'Köln', 'Münster', 'Detmold', 'Arnsberg'])
  regierungsbezirk?: string;
}

class AsOfQuery {
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
}

/** REST bodies are the Kafka commands without the centre id, which is in the path: same fields, same checks. */
class OpenCentreBody extends OmitType(OpenCentreV1, ['centreId'] as const) {}
class CloseCentreBody extends OmitType(CloseCentreV1, ['centreId'] as const) {}
const bodySchema = (cls: new () => object, without: string[] = []) => {
  const schema = classSchema(cls);
  for (const field of without) delete schema.properties?.[field];
  return { ...schema, required: schema.required?.filter((f) => !without.includes(f)) };
};

const today = () => new Date().toISOString().slice(0, 10);

/** Roles that see a centre's contact e-mail; public reads omit it (personal data of an employee). */
const CONTACT_ROLES = ['registry:read', 'registry:write'];

function forCaller<C extends Centre>(req: Request, centre: C): C | Omit<C, 'contactEmail'> {
  if (acceptedApiKey(req)?.roles.some((role) => CONTACT_ROLES.includes(role))) return centre;
  const { contactEmail: _omitted, ...rest } = centre;
  return rest;
}
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
  @ApiBody({ schema: bodySchema(RegisterCentreV1) })
  registerCentre(@Body() command: RegisterCentreV1) {
    return this.register.execute(command);
  }

  @Post('centres/:id/open')
  @HttpCode(200)
  @RequireRole('registry:write')
  @apiKey
  @ApiOperation({
    summary:
      'Open a registered centre; it gets the next statewide ordinal (422 for a future date, 409 for a date before the latest opening)',
  })
  @ApiBody({ schema: bodySchema(OpenCentreV1, ['centreId']) })
  openCentre(@Param('id', ParseUUIDPipe) id: string, @Body() body: OpenCentreBody) {
    return this.open.execute({ ...body, centreId: id });
  }

  @Post('centres/:id/close')
  @HttpCode(200)
  @RequireRole('registry:write')
  @apiKey
  @ApiOperation({ summary: 'Close an open centre' })
  @ApiBody({ schema: bodySchema(CloseCentreV1, ['centreId']) })
  closeCentre(@Param('id', ParseUUIDPipe) id: string, @Body() body: CloseCentreBody) {
    return this.close.execute({ ...body, centreId: id });
  }

  @Get('centres')
  @Public()
  @ApiOperation({
    summary:
      'Centres, filtered by status, territory or Regierungsbezirk, in order of opening; the contact e-mail only for keys with registry:read or registry:write',
  })
  async centres(@Query() filter: CentreListQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = pageOf(filter);
    return pageOfRows(await this.queries.centres(filter, page), page, req, res).map((centre) => forCaller(req, centre));
  }

  @Get('centres/:id')
  @Public()
  @ApiOperation({ summary: 'One centre; the contact e-mail only for keys with registry:read or registry:write' })
  async centre(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request) {
    return forCaller(req, await this.queries.centre(id));
  }

  @Get('centres/:id/history')
  @Public()
  @ApiOperation({ summary: "The centre's events, oldest first" })
  history(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.history(id);
  }

  @Get('territories')
  @Public()
  @ApiQuery({ name: 'asOf', required: false, description: 'date of the coverage (default: today)' })
  @ApiOperation({ summary: 'The 53 territories with the number of centres open in each' })
  territories(@Query() query: AsOfQuery) {
    return this.queries.territories(query.asOf ?? today());
  }

  @Get('coverage')
  @Public()
  @ApiQuery({ name: 'asOf', required: false, description: 'date of the summary (default: today)' })
  @ApiOperation({ summary: 'Centres open, territories covered and territories without a centre on a date' })
  coverage(@Query() query: AsOfQuery) {
    return this.queries.coverage(query.asOf ?? today());
  }
}
