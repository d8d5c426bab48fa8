import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { registryService } from './service';

runServiceProcess(registryService);
