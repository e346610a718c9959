import { isAppError } from '../errors';

/**
 * What the CLI command modules share: their output streams, the error for a wrong command line,
 * and the guard that turns the expected problems into a message and exit code 2.
 */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A wrong command line: printed as `<command>: <message>`, exit code 2. */
export class UsageError extends Error {}

export interface GuardOptions {
  /** A validation error's field → the option that set it, printed as `<command> --<option>: <message>`; without it, `<command>: <message>`. */
  optionOf?: Record<string, string>;
  /** A further expected error's message (null: not one of them). */
  explain?: (error: unknown) => string | null;
}

/** Runs a command; a usage error, an expected error or a validation error is printed with exit 2, anything else is thrown. */
export async function guarded(command: string, io: Io, run: () => Promise<number>, options: GuardOptions = {}): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${command}: ${error.message}\n`);
      return 2;
    }
    const explained = options.explain?.(error) ?? null;
    if (explained !== null) {
      io.err(`${command}: ${explained}\n`);
      return 2;
    }
    if (isAppError(error)) {
      const field = error.errors?.[0];
      if (options.optionOf && field) io.err(`${command} --${options.optionOf[field.path] ?? field.path}: ${field.message}\n`);
      else io.err(`${command}: ${field?.message ?? error.message}\n`);
      return 2;
    }
    throw error;
  }
}
