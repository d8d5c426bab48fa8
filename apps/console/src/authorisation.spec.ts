import { describeAuthorisationMatrix } from '@ki/testing';
import { consoleService } from './service';

describeAuthorisationMatrix(consoleService, 'console');
