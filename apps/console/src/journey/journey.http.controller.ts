import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole, SERVICE_CONFIG } from '@ki/platform';
import { IsString, Length } from 'class-validator';
import { ConsoleConfig, ConsoleRoles } from '../config';
import { IndexQueries } from '../message-index/index-queries';
import { CurrentOperator, Operator } from '../shared/operator';
import { buildJourney } from './journey';

class JourneyParams {
  /** A host-body key (05558, 05334002) or a correlation id. */
  @IsString()
  @Length(1, 200)
  q: string;
}

const HOST_BODY_KEY = /^\d{5}(\d{3})?$/;

@ApiTags('journey')
@ApiSecurity('api-key')
@Controller('api/journey')
export class JourneyHttpController {
  constructor(
    private readonly index: IndexQueries,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Timeline of a centre (host-body key) or of a correlation id across services, with overdue steps' })
  async journey(@Query() params: JourneyParams, @CurrentOperator() operator: Operator) {
    const q = params.q.trim();
    if (!q) throw new BadRequestException('q must be a host-body key or a correlation id');
    const messages = HOST_BODY_KEY.test(q) ? await this.index.aboutHostBody(q) : await this.index.withCorrelationId(q);
    return buildJourney(q, messages, { now: new Date(), overdueAfterMs: this.config.overdueAfterMs, reveal: operator.reveal });
  }
}
