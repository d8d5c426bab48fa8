import { describeOpenApiDocument } from '@ki/testing';
import { registryService } from './service';

describeOpenApiDocument(registryService, 'registry');
