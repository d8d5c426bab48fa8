import 'reflect-metadata';
import { runServiceProcess } from '@ki/platform';
import { registryService } from './service';

runServiceProcess(registryService);
