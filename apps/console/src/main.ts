import 'reflect-metadata';
import { runServiceProcess } from '@ki/platform';
import { consoleService } from './service';

runServiceProcess(consoleService);
