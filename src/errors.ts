/** Stable error codes: code branches on these, never on messages. Each maps to one HTTP status. */
export const ERROR_CODES = {
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  idempotency_mismatch: 422,
  payload_too_large: 413,
  rate_limited: 429,
  not_implemented: 501,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;

  constructor(code: ErrorCode, message: string, options: { errors?: FieldError[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.errors = options.errors;
  }

  static validation(path: string, message: string): AppError {
    return new AppError('validation_failed', `${path}: ${message}`, { errors: [{ path, message }] });
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
