import { describeComposeService } from '@ki/testing';
import { loadRegistryConfig } from './config';

describeComposeService('registry', loadRegistryConfig);
