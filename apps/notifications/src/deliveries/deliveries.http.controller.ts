import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { DataSource } from 'typeorm';
import { findAnnouncement } from '../announcements/database/announcements.repository';
import { Roles } from '../config';
import { deliveryNotFound, NotificationsError } from '../shared/notifications.errors';
import { NotificationsErrorsFilter } from '../shared/notifications-errors.filter';
import { findDelivery, listAttempts, listDeliveries } from './database/deliveries.repository';
import { ResendDeliveryHandler } from './resend-delivery/resend-delivery.handler';

const apiKey = ApiHeader({ name: 'X-API-Key', description: `API key with the role ${Roles.operator}`, required: true });

/** The delivery log for operators, and manual resends. */
@ApiTags('deliveries')
@UseFilters(NotificationsErrorsFilter)
@RequireRole(Roles.operator)
@apiKey
@Controller('announcements/:announcementId/deliveries')
export class DeliveriesHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resend: ResendDeliveryHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries of an announcement: one per subscriber, with status, attempts and the last error' })
  async deliveries(@Param('announcementId', ParseUUIDPipe) announcementId: string) {
    if (!(await findAnnouncement(this.dataSource.manager, announcementId)))
      throw new NotificationsError('NOTIFICATIONS.ANNOUNCEMENT_NOT_FOUND', `no announcement with id ${announcementId}`, { announcementId });
    return listDeliveries(this.dataSource.manager, announcementId);
  }

  @Get(':subscriptionId/attempts')
  @ApiOperation({ summary: 'Every attempt of the delivery to one subscriber, oldest first' })
  async attempts(
    @Param('announcementId', ParseUUIDPipe) announcementId: string,
    @Param('subscriptionId', ParseUUIDPipe) subscriptionId: string,
  ) {
    const delivery = await findDelivery(this.dataSource.manager, announcementId, subscriptionId);
    if (!delivery) throw deliveryNotFound(announcementId, subscriptionId);
    return { delivery, attempts: await listAttempts(this.dataSource.manager, delivery.id) };
  }

  @Post(':subscriptionId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send the announcement to the subscriber again (the subscriber must be active)' })
  resendDelivery(
    @Param('announcementId', ParseUUIDPipe) announcementId: string,
    @Param('subscriptionId', ParseUUIDPipe) subscriptionId: string,
  ) {
    return this.resend.execute(announcementId, subscriptionId);
  }
}
