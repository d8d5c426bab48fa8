import { describeAuthorisationMatrix } from '@ki/testing';
import { registryService } from './service';

describeAuthorisationMatrix(registryService, 'registry');
