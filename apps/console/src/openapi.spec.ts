import { describeOpenApiDocument } from '@ki/testing';
import { consoleService } from './service';

describeOpenApiDocument(consoleService, 'console');
