/** Exit codes of `ki`: 0 done, 1 a server said no or could not be reached, 2 the command line or the input is wrong. */
export const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;

/** A failure that ends the command with a message on stderr and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** HTTP status of the refusal, when a service refused. */
  readonly status?: number;
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** Usage of the command, printed after the message for usage and validation errors. */
    readonly usage?: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
}

/** The command line is wrong: exit code 2 with the command's usage. */
export function usageError(message: string, usage: string): CliError {
  return new CliError(message, 2, usage);
}
