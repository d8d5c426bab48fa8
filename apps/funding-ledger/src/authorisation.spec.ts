import { describeAuthorisationMatrix } from '@ki/testing';
import { fundingLedgerService } from './service';

describeAuthorisationMatrix(fundingLedgerService, 'funding-ledger');
