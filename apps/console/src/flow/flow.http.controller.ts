import { Controller, Get, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Observable } from 'rxjs';
import { ConsoleRoles } from '../config';
import { EventWindow } from '../event-window/event-window';
import { CurrentOperator, Operator } from '../shared/operator';
import { FlowQuery } from './flow';

class FlowParams {
  /** How many messages, newest first (default 200). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;

  /** Only messages of this ce_type. */
  @IsOptional()
  @IsString()
  type?: string;

  /** Only messages with this Kafka key or host-body key. */
  @IsOptional()
  @IsString()
  key?: string;

  /** Only messages of this correlation id. */
  @IsOptional()
  @IsString()
  correlationId?: string;
}

@ApiTags('flow')
@ApiSecurity('api-key')
@Controller('api/flow')
export class FlowHttpController {
  constructor(
    private readonly flow: FlowQuery,
    private readonly window: EventWindow,
  ) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({
    summary: 'Newest messages of every topic with, per consumer group that must handle them, handled / behind / dead-lettered',
  })
  latest(@Query() params: FlowParams, @CurrentOperator() operator: Operator) {
    return this.flow.latest(
      { limit: params.limit ?? 200, type: params.type, key: params.key, correlationId: params.correlationId },
      operator.reveal,
    );
  }

  @Sse('stream')
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Server-sent events: each message as it arrives (ask GET /api/flow for consumer progress)' })
  stream(@CurrentOperator() operator: Operator): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) =>
      this.window.subscribe((message) => subscriber.next({ type: 'message', data: this.flow.row(message, operator.reveal) })),
    );
  }
}
