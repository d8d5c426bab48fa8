import { Module } from '@nestjs/common';
import { OpeningsKafkaController } from './openings.kafka.controller';

@Module({ controllers: [OpeningsKafkaController] })
export class OpeningsModule {}
