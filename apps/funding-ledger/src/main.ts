import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { fundingLedgerService } from './service';

runServiceProcess(fundingLedgerService);
