import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@ki/platform';
import { ConsoleRoles } from '../config';
import { ClusterHealth } from './cluster';

@ApiTags('cluster')
@ApiSecurity('api-key')
@Controller('api/cluster')
export class ClusterHttpController {
  constructor(private readonly health: ClusterHealth) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({
    summary:
      'Brokers, controller, topics with partitions, replicas, in-sync replicas, under-replicated partitions, retention and messages held',
  })
  cluster() {
    return this.health.describe();
  }
}
