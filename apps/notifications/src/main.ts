import 'reflect-metadata';
import { runServiceProcess } from '@ki/platform';
import { notificationsService } from './service';

runServiceProcess(notificationsService);
