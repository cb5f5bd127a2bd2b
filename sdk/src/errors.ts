/**
 * One error tree for everything the client can throw. Verification answers (`valid: false`, `code:
 * 'REVOKED'`…) are data returned by `verify`, never errors: an error means the call itself failed.
 */

/** One problem with one field of a request, as the service names it (`quota.daily`, `query.limit`). */
export interface FieldProblem {
  /** The field's path in the request. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** The base of every error this package throws; `instanceof KeysmithError` catches them all. */
export class KeysmithError extends Error {
  override name = 'KeysmithError';
}

/** The service answered with an error status. Subclasses name the common statuses. */
export class ApiError extends KeysmithError {
  override name = 'ApiError';
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The service's error code (`VALIDATION_FAILED`, `KEY_HAS_HISTORY`, `NOT_FOUND`…), `UNKNOWN` when the body had none. */
  readonly code: string;
  /** The request id the service gave the call (body or `x-request-id`); quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** For a validation failure: one entry per field and problem. */
  readonly details: FieldProblem[] | undefined;
  /** The answer's headers, names in lower case. */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, requestId: string | undefined, details: FieldProblem[] | undefined, headers: Record<string, string>) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
    this.headers = headers;
  }
}

/** 400: the request was refused as invalid; `details` names each field. */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}
/** 401: the root key is missing, malformed or unknown. */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}
/** 403: the root key lacks the scope this call needs. */
export class PermissionDeniedError extends ApiError {
  override name = 'PermissionDeniedError';
}
/** 404: no such object in this workspace (another workspace's objects are not found either). */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}
/** 409: the call conflicts with the current state (`code` says which, e.g. `KEY_HAS_HISTORY`, `NAME_TAKEN`). */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}
/** 412: `ifMatch` named a version that is no longer current; read the object again. */
export class PreconditionFailedError extends ApiError {
  override name = 'PreconditionFailedError';
}
/** 413: the request body is larger than the route accepts. */
export class PayloadTooLargeError extends ApiError {
  override name = 'PayloadTooLargeError';
}
/** 415: the request body was not sent as JSON. */
export class UnsupportedMediaTypeError extends ApiError {
  override name = 'UnsupportedMediaTypeError';
}
/** 429: the service throttled this root key; thrown once the retries (which wait `Retry-After`) are spent. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
}
/** 5xx: the service failed; thrown once the retries are spent. */
export class InternalServerError extends ApiError {
  override name = 'InternalServerError';
}
/** 503: the service cannot answer now (e.g. its database is unreachable); thrown once the retries are spent. */
export class ServiceUnavailableError extends InternalServerError {
  override name = 'ServiceUnavailableError';
}

/** No answer came: the connection failed (refused, reset, DNS). `cause` holds the underlying error. */
export class ConnectionError extends KeysmithError {
  override name = 'ConnectionError';
}

/** No answer came within `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';
  /**
   * Whether the request may have reached the service (true unless it is known that no connection was
   * made). A verification that may have been sent may have been counted, so it is not retried.
   */
  readonly sent: boolean;

  constructor(message: string, sent: boolean, options?: ErrorOptions) {
    super(message, options);
    this.sent = sent;
  }
}

/** The caller aborted the call through its `signal`; never retried. */
export class RequestAbortedError extends KeysmithError {
  override name = 'RequestAbortedError';
}

type ApiErrorClass = new (...args: ConstructorParameters<typeof ApiError>) => ApiError;

const BY_STATUS: Record<number, ApiErrorClass> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

/**
 * The error for an error answer: the class by status, code/message/requestId/details from the body
 * `{"error": {...}}` when it has that shape, from the status and headers otherwise.
 */
export function apiErrorOf(status: number, body: unknown, headers: Record<string, string>): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' ? fields.code : 'UNKNOWN';
  const message = typeof fields.message === 'string' ? fields.message : typeof error === 'string' ? error : `the service answered ${status}`;
  const requestId = typeof fields.requestId === 'string' ? fields.requestId : headers['x-request-id'];
  const details = Array.isArray(fields.details) ? (fields.details as FieldProblem[]) : undefined;
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : ApiError);
  return new Class(status, code, message, requestId, details, headers);
}
