// One catalogue of error codes, mapped once to HTTP status (here) and once to chat replies
// (in each channel adapter).

export const ErrorCodes = {
  CONFIG_INVALID: 500,
  MIGRATION_MODIFIED: 500,
  MIGRATION_FAILED: 500,
  MIGRATION_ERROR: 500,
  EMBEDDED_PG: 500,
  DB_NOT_READY: 503,
  BAD_REQUEST: 400,
  /** no API token, or an unknown or revoked one */
  UNAUTHORIZED: 401,
  /** the token's role may not do this */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** uploads: over UPLOAD_MAX_MB */
  FILE_TOO_LARGE: 413,
  /** uploads: not multipart/form-data */
  NOT_MULTIPART: 415,
  /** uploads: no part named "file" */
  NO_FILE: 400,
  /** uploads: an unusable `map` field */
  BAD_MAP: 400,
  /** too many requests a minute from one token (or one address before a token is verified) */
  RATE_LIMITED: 429,
  /** uploads: UPLOAD_CONCURRENCY uploads are being received or imported already */
  UPLOADS_BUSY: 429,
  /** Slack's auth.test has not passed yet (Slack down or the token refused): Slack retries the request */
  SLACK_UNAVAILABLE: 503,
  /** MICROSOFT_APP_ID/PASSWORD half set */
  BOTFRAMEWORK_DISABLED: 503,
  /** no MICROSOFT_APP_ID on a HOST that is not loopback, without BOTFRAMEWORK_ALLOW_ANONYMOUS */
  BOTFRAMEWORK_LOCAL_MODE_REFUSED: 403,
  /** unauthenticated mode: an activity whose serviceUrl is not on this machine */
  BOTFRAMEWORK_SERVICE_URL_REFUSED: 403,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = ErrorCodes[code];
  }
}

export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INTERNAL', message, { cause: err });
}
