import { describeComposeService } from '@ki/testing';
import { loadLedgerConfig } from './config';

describeComposeService('funding-ledger', loadLedgerConfig);
