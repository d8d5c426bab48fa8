import { describeAuthorisationMatrix } from '@ki/testing';
import { notificationsService } from './service';

describeAuthorisationMatrix(notificationsService, 'notifications');
