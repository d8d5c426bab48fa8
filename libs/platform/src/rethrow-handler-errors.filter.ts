import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Nest turns an error thrown by an @EventPattern handler into a generic RPC error object. The
 * Kafka transport needs the error itself to decide between retry and dead letter, so it is
 * passed through unchanged.
 */
@Catch()
export class RethrowHandlerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
