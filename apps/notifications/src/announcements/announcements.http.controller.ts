import { Controller, Get, Header, Param, ParseUUIDPipe, Query, Req, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AnnouncementKind, AnnouncementKinds, IsHostBodyKey } from '@ki/contracts';
import { Public } from '@ki/platform';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { NotificationsErrorsFilter } from '../shared/notifications-errors.filter';
import { AnnouncementQueries } from './queries/announcement-queries';

class AnnouncementListQuery {
  /** How many, newest first (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** Only `opening` or only `funding` announcements. */
  @IsOptional()
  @IsIn(AnnouncementKinds)
  kind?: AnnouncementKind;

  /** Only announcements about this host body. */
  @IsOptional()
  @IsHostBodyKey()
  hostBodyKey?: string;
}

/** Public read access to the announcements, as JSON and as an Atom feed. */
@ApiTags('announcements')
@UseFilters(NotificationsErrorsFilter)
@Public()
@Controller()
export class AnnouncementsHttpController {
  constructor(private readonly queries: AnnouncementQueries) {}

  @Get('announcements')
  @ApiOperation({ summary: 'Announcements, newest first' })
  announcements(@Query() query: AnnouncementListQuery) {
    return this.queries.list(query);
  }

  @Get('announcements/:id')
  @ApiOperation({ summary: 'One announcement with its full German text' })
  announcement(@Param('id', ParseUUIDPipe) id: string) {
    return this.queries.get(id);
  }

  @Get('feed.atom')
  @Header('content-type', 'application/atom+xml; charset=utf-8')
  @ApiProduces('application/atom+xml')
  @ApiOperation({ summary: 'Atom feed of the newest 50 announcements' })
  feed(@Req() req: Request): Promise<string> {
    return this.queries.atomFeed(`${req.protocol}://${req.get('host')}`);
  }
}
