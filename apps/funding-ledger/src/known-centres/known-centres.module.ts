import { Module } from '@nestjs/common';
import { KnownCentresKafkaController } from './known-centres.kafka.controller';

@Module({ controllers: [KnownCentresKafkaController] })
export class KnownCentresModule {}
