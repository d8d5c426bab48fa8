import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { buildAsyncApi } from '@ki/contracts';
import { Public } from './api-keys';

/** Serves the AsyncAPI document of every event the system exchanges. */
@ApiTags('contracts')
@Public()
@Controller('asyncapi.json')
export class AsyncApiController {
  private readonly document = buildAsyncApi();

  @Get()
  @ApiOperation({ summary: 'AsyncAPI 3.0 document of all topics and event types' })
  get(): Record<string, unknown> {
    return this.document;
  }
}
