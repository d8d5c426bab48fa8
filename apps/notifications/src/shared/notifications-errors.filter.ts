import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { NotificationsError, NotificationsErrorCode } from './notifications.errors';

function status(code: NotificationsErrorCode): number {
  if (code.endsWith('_NOT_FOUND')) return HttpStatus.NOT_FOUND;
  if (
    code === 'NOTIFICATIONS.SUBSCRIPTION_NOT_ACTIVE' ||
    code === 'NOTIFICATIONS.SUBSCRIPTION_DELETED' ||
    code === 'NOTIFICATIONS.NOT_A_WEBHOOK'
  )
    return HttpStatus.CONFLICT;
  if (code === 'NOTIFICATIONS.EMAIL_NOT_CONFIGURED') return HttpStatus.UNPROCESSABLE_ENTITY;
  // A refused webhook URL is an invalid field of the body.
  return HttpStatus.BAD_REQUEST;
}

/** Maps notifications rule violations to HTTP answers with their stable code and details. */
@Catch(NotificationsError)
export class NotificationsErrorsFilter implements ExceptionFilter {
  catch(error: NotificationsError, host: ArgumentsHost): void {
    const code = status(error.code);
    const message = code === HttpStatus.BAD_REQUEST ? [`url: ${error.message}`] : error.message;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(code)
      .json({ statusCode: code, code: error.code, message, ...error.details });
  }
}
