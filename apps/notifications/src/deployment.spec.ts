import { describeComposeService } from '@ki/testing';
import { loadNotificationsConfig } from './config';

describeComposeService('notifications', loadNotificationsConfig);
