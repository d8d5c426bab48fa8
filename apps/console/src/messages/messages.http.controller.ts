import { Controller, Get, NotFoundException, Param, Query, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Topics } from '@ki/contracts';
import { RequireRole } from '@ki/platform';
import { MessageReadFailed } from '@ki/messaging';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { ConsoleRoles } from '../config';
import { MAX_SEARCHABLE_CHARS } from '../message-index/indexed-message';
import { CurrentOperator, Operator } from '../shared/operator';
import { MessageNotFound, MessageSearch, readCursor } from './message-search';

const TOPICS = Object.values(Topics);
const OFFSET = /^\d{1,18}$/;
const DEFAULT_LIMIT = 50;

/** Filters of the search; each given one must match exactly. */
class SearchParams {
  /** Kafka key. */
  @IsOptional()
  @IsString()
  @Length(1, MAX_SEARCHABLE_CHARS)
  key?: string;

  /** Host-body key of the payload, e.g. 05558. */
  @IsOptional()
  @IsString()
  @Length(1, MAX_SEARCHABLE_CHARS)
  hostBodyKey?: string;

  @IsOptional()
  @IsString()
  @Length(1, MAX_SEARCHABLE_CHARS)
  correlationId?: string;

  /** ce_id. */
  @IsOptional()
  @IsString()
  @Length(1, MAX_SEARCHABLE_CHARS)
  eventId?: string;

  /** ce_type. */
  @IsOptional()
  @IsString()
  @Length(1, MAX_SEARCHABLE_CHARS)
  type?: string;

  /** Base topic name; required with partition or offset. */
  @ValidateIf((p: SearchParams) => p.topic !== undefined || p.partition !== undefined || p.offset !== undefined)
  @IsDefined({ message: 'topic is required with partition or offset' })
  @IsIn(TOPICS, { message: `topic must be one of ${TOPICS.join(', ')}` })
  topic?: string;

  /** Required with offset. */
  @ValidateIf((p: SearchParams) => p.partition !== undefined || p.offset !== undefined)
  @IsDefined({ message: 'partition is required with offset' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  partition?: number;

  @IsOptional()
  @Matches(OFFSET, { message: 'offset must be a whole number' })
  offset?: string;

  /** Kafka time at or after, ISO 8601. */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Kafka time before, ISO 8601. */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** Messages per page (default 50, at most 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** `nextCursor` of the page before. */
  @IsOptional()
  @ValidateBy({
    name: 'isCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && readCursor(value) !== undefined,
      defaultMessage: () => 'cursor must be the nextCursor of an earlier page',
    },
  })
  cursor?: string;
}

/** Where a message is: base topic name, partition, offset. */
class MessageAddress {
  @IsIn(TOPICS, { message: `topic must be one of ${TOPICS.join(', ')}` })
  topic: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  partition: number;

  @Matches(OFFSET, { message: 'offset must be a whole number' })
  offset: string;
}

@ApiTags('messages')
@ApiSecurity('api-key')
@Controller('api/messages')
export class MessagesHttpController {
  constructor(private readonly messages: MessageSearch) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({
    summary:
      'Search the index of every message: by key, host body, correlation id, event id, type, topic/partition/offset and time; newest first, paged by cursor',
  })
  search(@Query() params: SearchParams, @CurrentOperator() operator: Operator) {
    const { limit = DEFAULT_LIMIT, cursor, from, to, ...filter } = params;
    return this.messages.search(
      { ...filter, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) },
      limit,
      cursor === undefined ? undefined : readCursor(cursor),
      operator.reveal,
    );
  }

  @Get(':topic/:partition/:offset')
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'One message with payload and headers (personal data masked unless console:reveal), read whole from its topic' })
  async one(@Param() { topic, partition, offset }: MessageAddress, @CurrentOperator() operator: Operator) {
    try {
      return await this.messages.one(topic, partition, offset, operator.reveal);
    } catch (err) {
      if (err instanceof MessageNotFound) throw new NotFoundException({ statusCode: 404, code: err.code, message: err.message });
      if (err instanceof MessageReadFailed)
        throw new ServiceUnavailableException({ statusCode: 503, code: err.code, message: err.message });
      throw err;
    }
  }
}
