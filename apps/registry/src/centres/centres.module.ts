import { Module } from '@nestjs/common';
import { CLOCK, systemClock } from './clock';
import { CentresHttpController } from './centres.http.controller';
import { CentresKafkaController } from './centres.kafka.controller';
import { CloseCentreHandler } from './close-centre/close-centre.handler';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { CentreQueries } from './queries/centre-queries';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';

@Module({
  controllers: [CentresHttpController, CentresKafkaController],
  providers: [{ provide: CLOCK, useValue: systemClock }, RegisterCentreHandler, OpenCentreHandler, CloseCentreHandler, CentreQueries],
  exports: [RegisterCentreHandler, OpenCentreHandler, CentreQueries],
})
export class CentresModule {}
