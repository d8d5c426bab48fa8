import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { RegistryError, RegistryErrorCode } from './domain/registry.errors';

const STATUS: Record<RegistryErrorCode, number> = {
  'REGISTRY.HOST_BODY_UNKNOWN': HttpStatus.NOT_FOUND,
  'REGISTRY.CENTRE_NOT_FOUND': HttpStatus.NOT_FOUND,
  'REGISTRY.ACTIVE_CENTRE_EXISTS': HttpStatus.CONFLICT,
  'REGISTRY.INVALID_TRANSITION': HttpStatus.CONFLICT,
  'REGISTRY.INVALID_DATE': HttpStatus.UNPROCESSABLE_ENTITY,
  'REGISTRY.OPENING_IN_FUTURE': HttpStatus.UNPROCESSABLE_ENTITY,
  'REGISTRY.OPENING_BEFORE_LATEST': HttpStatus.CONFLICT,
};

/** Maps registry rule violations to HTTP answers with their stable code and details. */
@Catch(RegistryError)
export class RegistryErrorsFilter implements ExceptionFilter {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const status = STATUS[error.code];
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, code: error.code, message: error.message, ...error.details });
  }
}
