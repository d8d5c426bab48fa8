/** Stable codes of the registry's rule violations. */
export type RegistryErrorCode =
  | 'REGISTRY.HOST_BODY_UNKNOWN'
  | 'REGISTRY.CENTRE_NOT_FOUND'
  | 'REGISTRY.ACTIVE_CENTRE_EXISTS'
  | 'REGISTRY.INVALID_TRANSITION'
  | 'REGISTRY.INVALID_DATE'
  | 'REGISTRY.OPENING_IN_FUTURE'
  | 'REGISTRY.OPENING_BEFORE_LATEST';

/** A command that breaks a registry rule; `details` is safe to show to the caller. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
