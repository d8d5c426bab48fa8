import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DeliveriesHttpController } from './deliveries.http.controller';
import { DeliveryDispatcher } from './dispatch/delivery-dispatcher';
import { ResendDeliveryHandler } from './resend-delivery/resend-delivery.handler';

@Module({
  imports: [TerminusModule],
  controllers: [DeliveriesHttpController],
  providers: [DeliveryDispatcher, ResendDeliveryHandler],
})
export class DeliveriesModule {}
