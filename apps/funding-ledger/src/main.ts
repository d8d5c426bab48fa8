import 'reflect-metadata';
import { runServiceProcess } from '@ki/platform';
import { fundingLedgerService } from './service';

runServiceProcess(fundingLedgerService);
