import { describeOpenApiDocument } from '@ki/testing';
import { fundingLedgerService } from './service';

describeOpenApiDocument(fundingLedgerService, 'funding-ledger');
