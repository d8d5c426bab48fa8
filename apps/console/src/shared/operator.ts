import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { acceptedApiKey } from '@ki/platform';
import type { Request } from 'express';
import { ConsoleRoles } from '../config';

/** Who is calling, as the API key guard accepted them. */
export interface Operator {
  name: string;
  /** The key has console:reveal: personal data is shown unmasked. */
  reveal: boolean;
}

/** The operator of the request; use only on endpoints that require a role. */
export const CurrentOperator = createParamDecorator((_: unknown, context: ExecutionContext): Operator => {
  const key = acceptedApiKey(context.switchToHttp().getRequest<Request>());
  return { name: key?.name ?? 'unknown', reveal: key?.roles.includes(ConsoleRoles.reveal) ?? false };
});
