import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { ConsoleRoles } from '../config';
import { CurrentOperator, Operator } from '../shared/operator';
import { ClusterGroups, GroupNotEmpty, GroupNotFound, ResetNotAuthorised, ResetNotPossible } from './cluster-groups';
import { ResetTarget } from './offset-reset';

class ResetBody {
  /** Where to move the offsets: earliest, latest, timestamp (with `timestamp`) or offset (with `offset`). */
  @IsIn(['earliest', 'latest', 'timestamp', 'offset'])
  to: ResetTarget['to'];

  /** For `to: timestamp`: the first message at or after this time (ISO 8601). */
  @ValidateIf((b: ResetBody) => b.to === 'timestamp')
  @IsISO8601({ strict: true })
  timestamp?: string;

  /** For `to: offset`: the offset to set on every partition. */
  @ValidateIf((b: ResetBody) => b.to === 'offset')
  @Matches(/^\d+$/, { message: 'offset must be a whole number' })
  offset?: string;

  /** Topics to reset (as named on the broker); every topic the group committed on when absent. */
  @IsOptional()
  @IsString({ each: true })
  topics?: string[];

  /** Why; recorded with the reset. */
  @IsString()
  @Length(3, 500)
  reason: string;

  /** Only show the moves, current → new, and change nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

function target(body: ResetBody): ResetTarget {
  if (body.to === 'timestamp') return { to: 'timestamp', timestamp: body.timestamp as string };
  if (body.to === 'offset') return { to: 'offset', offset: body.offset as string };
  return { to: body.to };
}

@ApiTags('consumer groups')
@ApiSecurity('api-key')
@Controller('api/groups')
export class GroupsHttpController {
  constructor(private readonly groups: ClusterGroups) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Every consumer group on the cluster, ours and others, with members, state and lag per partition' })
  async list() {
    return { groups: await this.groups.list() };
  }

  @Post(':group/reset')
  @RequireRole(ConsoleRoles.admin)
  @ApiParam({ name: 'group', description: 'Consumer group id as on the broker' })
  @ApiOperation({
    summary:
      'Move the committed offsets of an empty group (409 while it has members) to earliest, latest, a time or an offset; dryRun previews current → new',
  })
  async reset(@Param('group') group: string, @Body() body: ResetBody, @CurrentOperator() operator: Operator) {
    try {
      return await this.groups.reset(group, {
        target: target(body),
        topics: body.topics,
        dryRun: body.dryRun ?? false,
        reason: body.reason,
        resetBy: operator.name,
      });
    } catch (err) {
      if (err instanceof GroupNotEmpty) throw new ConflictException({ statusCode: 409, code: err.code, message: err.message });
      if (err instanceof ResetNotAuthorised) throw new ForbiddenException({ statusCode: 403, code: err.code, message: err.message });
      if (err instanceof GroupNotFound) throw new NotFoundException({ statusCode: 404, code: err.code, message: err.message });
      if (err instanceof ResetNotPossible)
        throw new BadRequestException({ statusCode: 400, code: err.code, message: err.message, problems: err.problems });
      throw err;
    }
  }
}
