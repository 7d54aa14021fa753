/**
 * Fatal errors. One class with a code; the CLI's single handler maps codes to exit codes
 * (documented in the README), so library code never calls `process.exit`.
 */

export const ExitCode = {
  ok: 0,
  /** An unexpected internal failure (a bug): the message and stack are logged. */
  internal: 1,
  /** Bad usage, an invalid config, or a bad record under `--strict`. */
  usage: 2,
  /** The run finished but `input = kept + removed + errors` does not hold. */
  accounting: 3,
  /** A stage failed for good (e.g. the classifier service is down and `on_error: fail`). */
  stage: 4,
  /** Interrupted by SIGINT/SIGTERM; rerun with `--resume`. */
  interrupted: 130,
} as const;

export type ErrorCode = 'usage' | 'config' | 'strict' | 'accounting' | 'stage' | 'io' | 'interrupted';

const exitFor: Record<ErrorCode, number> = {
  usage: ExitCode.usage,
  config: ExitCode.usage,
  strict: ExitCode.usage,
  accounting: ExitCode.accounting,
  stage: ExitCode.stage,
  io: ExitCode.internal,
  interrupted: ExitCode.interrupted,
};

export class WinnowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WinnowError';
    this.code = code;
  }
  get exitCode(): number {
    return exitFor[this.code];
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
