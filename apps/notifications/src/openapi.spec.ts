import { describeOpenApiDocument } from '@ki/testing';
import { notificationsService } from './service';

describeOpenApiDocument(notificationsService, 'notifications');
