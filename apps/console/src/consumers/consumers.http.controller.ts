import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { ConsoleRoles } from '../config';
import { ConsumerLag } from './consumer-lag';

@ApiTags('consumers')
@ApiSecurity('api-key')
@Controller('api/consumers')
export class ConsumersHttpController {
  constructor(private readonly lag: ConsumerLag) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Lag per consumer group and partition; stalled ones flagged' })
  async consumers() {
    return { partitions: await this.lag.snapshot() };
  }
}
