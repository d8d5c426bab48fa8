import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { DataSource } from 'typeorm';
import { Roles } from '../config';
import { NotificationsError } from '../shared/notifications.errors';
import { NotificationsErrorsFilter } from '../shared/notifications-errors.filter';
import { CreateSubscriptionCommand } from './create-subscription/create-subscription.command';
import { CreateSubscriptionHandler } from './create-subscription/create-subscription.handler';
import { findSubscription, listSubscriptions } from './database/subscriptions.repository';
import { DeleteSubscriptionHandler } from './delete-subscription/delete-subscription.handler';
import { EnableSubscriptionHandler } from './enable-subscription/enable-subscription.handler';
import { RotateSecretCommand } from './rotate-secret/rotate-secret.command';
import { RotateSecretHandler } from './rotate-secret/rotate-secret.handler';

const apiKey = ApiHeader({ name: 'X-API-Key', description: `API key with the role ${Roles.write}`, required: true });

@ApiTags('subscriptions')
@UseFilters(NotificationsErrorsFilter)
@RequireRole(Roles.write)
@apiKey
@Controller('subscriptions')
export class SubscriptionsHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly create: CreateSubscriptionHandler,
    private readonly remove: DeleteSubscriptionHandler,
    private readonly enable: EnableSubscriptionHandler,
    private readonly rotate: RotateSecretHandler,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe a webhook or an e-mail address; a webhook gets its signing secret (whsec_…) in this answer only',
  })
  createSubscription(@Body() command: CreateSubscriptionCommand) {
    return this.create.execute(command);
  }

  @Get()
  @ApiOperation({ summary: 'Subscribers that are not deleted (without secrets)' })
  subscriptions() {
    return listSubscriptions(this.dataSource.manager);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscriber (without its secret)' })
  async subscription(@Param('id', ParseUUIDPipe) id: string) {
    const found = await findSubscription(this.dataSource.manager, id);
    if (!found || found.status === 'deleted')
      throw new NotificationsError('NOTIFICATIONS.SUBSCRIPTION_NOT_FOUND', `no subscription with id ${id}`, { subscriptionId: id });
    return found;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe; pending deliveries are cancelled, the delivery log stays' })
  async deleteSubscription(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.remove.execute(id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a subscriber disabled after consecutive failures' })
  enableSubscription(@Param('id', ParseUUIDPipe) id: string) {
    return this.enable.execute(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'New signing secret for a webhook, in this answer only; the old one stays valid for overlapSeconds (default 24 h), deliveries carry both signatures meanwhile',
  })
  rotateSecret(@Param('id', ParseUUIDPipe) id: string, @Body() command: RotateSecretCommand) {
    return this.rotate.execute(id, command);
  }
}
