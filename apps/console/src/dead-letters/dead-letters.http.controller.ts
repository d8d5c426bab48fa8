import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ContractViolation } from '@ki/contracts';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { ConsoleRoles } from '../config';
import { CurrentOperator, Operator } from '../shared/operator';
import { MessageReadFailed, ReplayRefused } from '@ki/messaging';
import { DeadLetterNotFound, DeadLetters } from './dead-letters';

class DeadLetterParams {
  /** Error code, e.g. CONTRACT.INVALID_PAYLOAD. */
  @IsOptional()
  @IsString()
  reason?: string;

  /** ce_type of the failed message. */
  @IsOptional()
  @IsString()
  type?: string;

  /** Consumer group that gave up on it. */
  @IsOptional()
  @IsString()
  consumerGroup?: string;
}

class ReplayBody {
  /** Why the message is sent again; recorded with the replay. */
  @IsString()
  @Length(3, 500)
  reason: string;

  /** A repaired payload to send instead of the original one (same ce_id and correlation id). */
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}

/** Where a dead letter is on the dead-letter topic. */
class DeadLetterAddress {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  partition: number;

  @Matches(/^\d+$/, { message: 'offset must be a whole number' })
  offset: string;
}

@ApiTags('dead letters')
@ApiSecurity('api-key')
@Controller('api/dead-letters')
export class DeadLettersHttpController {
  constructor(private readonly deadLetters: DeadLetters) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Dead letters, newest first, by reason, type or consumer group' })
  list(@Query() params: DeadLetterParams, @CurrentOperator() operator: Operator) {
    return this.deadLetters.list(params, operator.reveal);
  }

  @Get(':partition/:offset')
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'One dead letter with payload, headers and what a replay would do (no-op when already handled)' })
  async detail(@Param() { partition, offset }: DeadLetterAddress, @CurrentOperator() operator: Operator) {
    return this.found(() => this.deadLetters.detail(partition, offset, operator.reveal));
  }

  @Post(':partition/:offset/replay')
  @RequireRole(ConsoleRoles.replay)
  @ApiOperation({ summary: 'Send a dead letter back to its topic (same event id and correlation id), with a reason; optionally repaired' })
  async replay(@Param() { partition, offset }: DeadLetterAddress, @Body() body: ReplayBody, @CurrentOperator() operator: Operator) {
    return this.found(() =>
      this.deadLetters.replay(partition, offset, { reason: body.reason, replayedBy: operator.name, payload: body.payload }),
    );
  }

  private async found<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof DeadLetterNotFound) throw new NotFoundException({ statusCode: 404, code: err.code, message: err.message });
      if (err instanceof MessageReadFailed)
        throw new ServiceUnavailableException({ statusCode: 503, code: err.code, message: err.message });
      if (err instanceof ReplayRefused) throw new BadRequestException({ statusCode: 400, code: err.code, message: err.message });
      if (err instanceof ContractViolation)
        throw new BadRequestException({ statusCode: 400, code: err.code, message: err.problems.map((p) => `payload.${p}`) });
      throw err;
    }
  }
}
