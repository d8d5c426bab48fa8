import { Controller, Get, HttpException, HttpStatus, Inject, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole, SERVICE_CONFIG } from '@ki/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Observable } from 'rxjs';
import { ConsoleConfig, ConsoleRoles } from '../config';
import { LiveFeed } from '../message-index/live-feed';
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
  /** Open streams per API key name: each holds a connection and a listener of the live feed. */
  private readonly openStreams = new Map<string, number>();

  constructor(
    private readonly flow: FlowQuery,
    private readonly feed: LiveFeed,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
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
  @ApiOperation({
    summary:
      'Server-sent events: each message as it arrives (ask GET /api/flow for consumer progress); 429 beyond CONSOLE_MAX_STREAMS_PER_KEY open streams of one key',
  })
  stream(@CurrentOperator() operator: Operator): Observable<MessageEvent> {
    const open = this.openStreams.get(operator.name) ?? 0;
    if (open >= this.config.maxStreamsPerKey)
      throw new HttpException(
        `API key "${operator.name}" already holds ${open} open streams (CONSOLE_MAX_STREAMS_PER_KEY): close one first`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    this.openStreams.set(operator.name, open + 1);
    return new Observable<MessageEvent>((subscriber) => {
      const unsubscribe = this.feed.subscribe((message) =>
        subscriber.next({ type: 'message', data: this.flow.row(message, operator.reveal) }),
      );
      // Runs when the client goes away: the slot is free again.
      return () => {
        unsubscribe();
        const left = (this.openStreams.get(operator.name) ?? 1) - 1;
        if (left > 0) this.openStreams.set(operator.name, left);
        else this.openStreams.delete(operator.name);
      };
    });
  }
}
