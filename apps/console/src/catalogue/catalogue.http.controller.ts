import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { allContracts, buildAsyncApi, consumerGroupsOf, SensitiveFields } from '@ki/contracts';
import { RequireRole } from '@ki/platform';
import { ConsoleRoles } from '../config';
import { IndexQueries } from '../message-index/index-queries';

@ApiTags('catalogue')
@ApiSecurity('api-key')
@Controller('api/catalogue')
export class CatalogueHttpController {
  constructor(private readonly index: IndexQueries) {}

  @Get()
  @RequireRole(ConsoleRoles.read)
  @ApiOperation({ summary: 'Every event type (from the AsyncAPI document of the contracts) with its consumers and live rate per minute' })
  async catalogue() {
    const rates = await this.index.ratesPerMinute(new Date());
    return {
      types: allContracts().map((contract) => ({
        type: contract.type,
        summary: contract.summary,
        topic: contract.topic,
        consumers: consumerGroupsOf(contract.type),
        sensitiveFields: SensitiveFields[contract.type] ?? [],
        ratePerMinute: rates.get(contract.type) ?? 0,
      })),
      asyncapi: buildAsyncApi(),
    };
  }
}
