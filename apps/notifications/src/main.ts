import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { notificationsService } from './service';

runServiceProcess(notificationsService);
