import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { LedgerError, LedgerErrorCode } from './ledger.errors';

const STATUS: Record<LedgerErrorCode, number> = {
  'LEDGER.NO_PROGRAMME_FOR_YEAR': HttpStatus.CONFLICT,
  'LEDGER.YEAR_TOO_FAR_AHEAD': HttpStatus.UNPROCESSABLE_ENTITY,
  'LEDGER.UNKNOWN_CENTRE': HttpStatus.NOT_FOUND,
};

/** Maps ledger rule violations to HTTP answers with their stable code. */
@Catch(LedgerError)
export class LedgerErrorsFilter implements ExceptionFilter {
  catch(error: LedgerError, host: ArgumentsHost): void {
    const status = STATUS[error.code];
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, code: error.code, message: error.message });
  }
}
