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
  /** a route that exists, called with another method */
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** an Idempotency-Key sent before by the same token with another request body */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** the request's headers did not arrive in time (node's headersTimeout) */
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  /** uploads: over UPLOAD_MAX_MB */
  FILE_TOO_LARGE: 413,
  /** uploads: not multipart/form-data */
  NOT_MULTIPART: 415,
  /** a body in a content type the route does not read */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** the request line and headers are over node's http.maxHeaderSize (16 KB) */
  HEADERS_TOO_LARGE: 431,
  /** uploads: no part named "file" */
  NO_FILE: 400,
  /** uploads: an unusable `map` field */
  BAD_MAP: 400,
  /** too many requests a minute from one token (or one address before a token is verified) */
  RATE_LIMITED: 429,
  /** uploads: UPLOAD_CONCURRENCY uploads are being received or imported already */
  UPLOADS_BUSY: 429,
  /** ingest: more messages in one request than INGEST_MAX_MESSAGES */
  BATCH_TOO_LARGE: 413,
  /** the assistant: a question over its length limit */
  QUESTION_TOO_LONG: 400,
  /** the assistant: nothing was asked */
  EMPTY_QUESTION: 400,
  /** Messenger: the webhook's events could not be stored (database down); Meta retries */
  UNAVAILABLE: 503,
  /** Slack: the handler of an acknowledged-late request failed (Slack retries it) */
  SLACK_HANDLER_FAILED: 500,
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
  /** what a channel may quote to the user (e.g. the limit a question went over) */
  readonly detail?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = ErrorCodes[code];
    if (options?.detail !== undefined) this.detail = options.detail;
  }
}

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ErrorCodes, code);

/** The catalogue's code for an HTTP status another library chose (Fastify's own 4xx errors). */
export function codeForStatus(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 409: 'CONFLICT',
    408: 'REQUEST_TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED', 431: 'HEADERS_TOO_LARGE',
  };
  return byStatus[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL');
}

export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INTERNAL', message, { cause: err });
}
