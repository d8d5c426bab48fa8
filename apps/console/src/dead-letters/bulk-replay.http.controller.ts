import { BadRequestException, Body, ConflictException, Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { MessageReadFailed } from '@ki/messaging';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsISO8601, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { ConsoleRoles } from '../config';
import { CurrentOperator, Operator } from '../shared/operator';
import { BulkReplay, BulkReplayRunning } from './bulk-replay';

class ReplayFilterBody {
  /** Error code, e.g. CONTRACT.INVALID_PAYLOAD. */
  @IsOptional()
  @IsString()
  reason?: string;

  /** ce_type of the failed messages. */
  @IsOptional()
  @IsString()
  type?: string;

  /** Consumer group that gave up on them. */
  @IsOptional()
  @IsString()
  consumerGroup?: string;

  /** Failed at or after this time (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Failed before this time (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

class BulkReplayBody {
  /** Which dead letters; at least one criterion. */
  @IsObject()
  @ValidateNested()
  @Type(() => ReplayFilterBody)
  filter: ReplayFilterBody;

  /** Only count what would be sent and what is already handled; send nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  /** Why the batch is sent again; recorded with it (required unless dryRun). */
  @ValidateIf((b: BulkReplayBody) => !b.dryRun)
  @IsString()
  @Length(3, 500)
  reason?: string;

  /** Messages sent per second at most (default 20). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  ratePerSecond?: number;

  /** Dead letters in this batch at most (default and maximum 1000); the rest is counted as remaining. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

@ApiTags('dead letters')
@ApiSecurity('api-key')
@Controller('api/dead-letters')
export class BulkReplayHttpController {
  constructor(private readonly bulk: BulkReplay) {}

  @Post('replay')
  @HttpCode(200)
  @RequireRole(ConsoleRoles.replay)
  @ApiOperation({
    summary:
      'Send every dead letter matching a filter (reason, type, consumer group, failure time) back to its topic, rate-limited, recorded as one batch; dryRun counts what would be sent and what is already handled',
  })
  async replay(@Body() body: BulkReplayBody, @CurrentOperator() operator: Operator) {
    const { filter } = body;
    if (!filter.reason && !filter.type && !filter.consumerGroup && !filter.from && !filter.to)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: ['filter must name at least one of reason, type, consumerGroup, from, to'],
      });
    try {
      return await this.bulk.replay({
        filter: {
          reason: filter.reason,
          type: filter.type,
          consumerGroup: filter.consumerGroup,
          failedFrom: filter.from ? new Date(filter.from) : undefined,
          failedTo: filter.to ? new Date(filter.to) : undefined,
        },
        dryRun: body.dryRun ?? false,
        limit: body.limit ?? 1000,
        ratePerSecond: body.ratePerSecond ?? 20,
        reason: body.reason ?? '',
        replayedBy: operator.name,
      });
    } catch (err) {
      if (err instanceof BulkReplayRunning) throw new ConflictException({ statusCode: 409, code: err.code, message: err.message });
      if (err instanceof MessageReadFailed)
        throw new ServiceUnavailableException({ statusCode: 503, code: err.code, message: err.message });
      throw err;
    }
  }
}
