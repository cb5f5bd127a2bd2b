import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, Lifecycle } from '@hapi/hapi';
import type { ValidationError as JoiValidationError } from 'joi';
import {
  AuthenticationError,
  ConflictError,
  DomainError,
  NotFoundError,
  PermissionError,
  PreconditionFailedError,
  ThrottledError,
  UnavailableError,
  ValidationError,
  type FieldProblem,
} from '../domain/errors';

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: FieldProblem[] };
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const DOMAIN_STATUS: Array<[abstract new (...args: never[]) => DomainError, number]> = [
  [ValidationError, 400],
  [AuthenticationError, 401],
  [PermissionError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PreconditionFailedError, 412],
  [ThrottledError, 429],
  [UnavailableError, 503],
];

/** What hapi's own errors (parsing, routing, limits) mean to a client, by status. */
const FRAMEWORK_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** The headers of a framework error that a client acts on, kept on the mapped answer. */
const PASSED_HEADERS = new Set(['www-authenticate', 'retry-after', 'allow']);

/** What the mapper needs to know of the request an error answers. */
export interface ErrorContext {
  requestId: string;
  method: string;
  path: string;
  /** The matched route's pattern (`/{p*}` when none matched). */
  routePath: string;
  maxBytes: number | undefined;
}

export function contextOf(request: Request): ErrorContext {
  return {
    requestId: requestIdOf(request),
    method: request.method.toUpperCase(),
    path: request.path,
    routePath: request.route.path,
    maxBytes: request.route.settings.payload?.maxBytes,
  };
}

/** The one place that turns an error into an HTTP answer. */
export function toHttpError(err: Error, context: ErrorContext): HttpError {
  const { requestId } = context;
  if (err instanceof DomainError) {
    const status = DOMAIN_STATUS.find(([type]) => err instanceof type)?.[1] ?? 500;
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : status === 503 ? { 'retry-after': '1' } : {};
    if (err instanceof ThrottledError) headers['retry-after'] = String(err.retryAfterSeconds);
    return { status, headers, body: { error: { code: err.code, message: err.message, requestId, ...(err.details ? { details: err.details } : {}) } } };
  }
  if (isUnreachable(err)) return toHttpError(new UnavailableError('the database cannot be reached; try again shortly'), context);
  const boom = Boom.isBoom(err) ? err : Boom.boomify(err);
  const status = boom.output.statusCode;
  if (status >= 500) {
    return { status, headers: status === 503 ? { 'retry-after': '1' } : {}, body: { error: { code: status === 503 ? 'UNAVAILABLE' : 'INTERNAL', message: `internal error; quote request id ${requestId} when reporting it`, requestId } } };
  }
  // Header names are case-insensitive, and Boom spells them its own way (`WWW-Authenticate`).
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(boom.output.headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && PASSED_HEADERS.has(lower)) headers[lower] = String(value);
  }
  return { status, headers, body: { error: { code: frameworkCode(boom, status), message: frameworkMessage(boom, status, context), requestId } } };
}

function frameworkCode(boom: Boom.Boom, status: number): string {
  if (status === 400 && /JSON/i.test(boom.message)) return 'MALFORMED_JSON';
  return FRAMEWORK_CODES[status] ?? 'BAD_REQUEST';
}

function frameworkMessage(boom: Boom.Boom, status: number, context: ErrorContext): string {
  if (status === 404 && context.routePath === '/{p*}') return `no route ${context.method} ${context.path}`;
  if (status === 413) return `request body is larger than the ${context.maxBytes ?? 'allowed'} bytes this route accepts`;
  if (status === 400 && /JSON/i.test(boom.message)) return 'request body is not valid JSON';
  if (status === 415) return 'send the request body as JSON with Content-Type: application/json';
  return boom.message;
}

/** How every input is validated: all problems at once, each message without its label. */
export const VALIDATION_OPTIONS = { abortEarly: false, errors: { wrap: { label: false } } } as const;

/** Problems a validation error lists; a body with thousands of unknown fields must not get an answer of hundreds of KB. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Validation failures become 400 VALIDATION_FAILED with one entry per problem, each naming its field by
 * path (`quota.daily`, `ipAllowlist.1`, `query.limit`, `headers.if-match`): the first
 * {@link MAX_LISTED_PROBLEMS}, with the message saying how many more there were.
 */
export function validationError(joiError: Pick<JoiValidationError, 'details' | 'message'> | undefined, source: string): ValidationError {
  const found = joiError?.details ?? [];
  const details: FieldProblem[] = found.slice(0, MAX_LISTED_PROBLEMS).map((d) => {
    const path = d.path.join('.');
    const field = source === 'payload' ? path : `${source}.${path}`;
    return { field: field || source, message: d.message };
  });
  if (details.length === 0) details.push({ field: source, message: joiError?.message ?? 'is invalid' });
  const more = found.length - details.length;
  const listed = details.map((d) => d.message).join('; ');
  return new ValidationError(`invalid request: ${listed}${more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : ''}`, details);
}

/** hapi's side of it: the route's failed validation, with the source hapi names. */
export const validationFailAction: Lifecycle.Method = (_request: Request, _h: ResponseToolkit, err?: Error) => {
  const joiError = err as (Error & { details?: JoiValidationError['details']; output?: { payload?: { validation?: { source?: string } } } }) | undefined;
  throw validationError(joiError && { details: joiError.details ?? [], message: joiError.message }, joiError?.output?.payload?.validation?.source ?? 'payload');
};

/** A request header as one string (hapi types them loosely); undefined when absent. */
export function headerOf(request: Request, name: string): string | undefined {
  const value: unknown = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function requestIdOf(request: Request): string {
  return (request.app as { requestId?: string }).requestId ?? request.info.id;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR']);

/** A database that cannot be reached (refused, dropped, or no pooled connection in time): a 503, not a 500. */
function isUnreachable(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && UNREACHABLE.has(code)) || err.name === 'KnexTimeoutError';
}

/**
 * What a log line may say about an internal error. Database errors carry their SQL, with bound values
 * such as secret hashes, in `message`; only the driver's own text and code are kept.
 */
export function describeForLog(err: Error & { code?: unknown; sqlMessage?: unknown; sql?: unknown }): Record<string, unknown> {
  const fromDatabase = typeof err.code === 'string' && (err.code.startsWith('ER_') || err.code.startsWith('SQLITE_') || err.sql !== undefined);
  if (!fromDatabase) return { message: err.message, stack: err.stack };
  const message = typeof err.sqlMessage === 'string' ? err.sqlMessage : err.message.split(' - ').pop();
  return { message, code: err.code };
}
