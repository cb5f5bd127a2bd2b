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

/** The one place that turns an error into an HTTP answer. */
export function toHttpError(err: Error, request: Request): HttpError {
  const requestId = requestIdOf(request);
  if (err instanceof DomainError) {
    const status = DOMAIN_STATUS.find(([type]) => err instanceof type)?.[1] ?? 500;
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : status === 503 ? { 'retry-after': '1' } : {};
    return { status, headers, body: { error: { code: err.code, message: err.message, requestId, ...(err.details ? { details: err.details } : {}) } } };
  }
  if (isUnreachable(err)) return toHttpError(new UnavailableError('the database cannot be reached; try again shortly'), request);
  const boom = Boom.isBoom(err) ? err : Boom.boomify(err);
  const status = boom.output.statusCode;
  if (status >= 500) {
    return { status, headers: {}, body: { error: { code: status === 503 ? 'UNAVAILABLE' : 'INTERNAL', message: `internal error; quote request id ${requestId} when reporting it`, requestId } } };
  }
  const headers: Record<string, string> = {};
  for (const name of ['www-authenticate', 'retry-after', 'allow']) {
    const value = boom.output.headers[name] ?? boom.output.headers[name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())];
    if (value !== undefined) headers[name] = String(value);
  }
  return { status, headers, body: { error: { code: frameworkCode(boom, status), message: frameworkMessage(boom, status, request), requestId } } };
}

function frameworkCode(boom: Boom.Boom, status: number): string {
  if (status === 400 && /JSON/i.test(boom.message)) return 'MALFORMED_JSON';
  return FRAMEWORK_CODES[status] ?? 'BAD_REQUEST';
}

function frameworkMessage(boom: Boom.Boom, status: number, request: Request): string {
  if (status === 404 && request.route.path === '/{p*}') return `no route ${request.method.toUpperCase()} ${request.path}`;
  if (status === 413) return `request body is larger than the ${request.route.settings.payload?.maxBytes ?? 'allowed'} bytes this route accepts`;
  if (status === 400 && /JSON/i.test(boom.message)) return 'request body is not valid JSON';
  if (status === 415) return 'send the request body as JSON with Content-Type: application/json';
  return boom.message;
}

/**
 * Route validation failures become 400 VALIDATION_FAILED with one entry per problem, each naming its
 * field by path (`quota.daily`, `ipAllowlist.1`, `query.limit`, `headers.if-match`).
 */
export const validationFailAction: Lifecycle.Method = (request: Request, _h: ResponseToolkit, err?: Error) => {
  const joiError = err as (Error & { details?: JoiValidationError['details']; output?: { payload?: { validation?: { source?: string } } } }) | undefined;
  const source = joiError?.output?.payload?.validation?.source ?? 'payload';
  const details: FieldProblem[] = (joiError?.details ?? []).map((d) => {
    const path = d.path.join('.');
    const field = source === 'payload' ? path : `${source}.${path}`;
    return { field: field || source, message: d.message };
  });
  if (details.length === 0) details.push({ field: source, message: joiError?.message ?? 'is invalid' });
  throw new ValidationError(`invalid request: ${details.map((d) => d.message).join('; ')}`, details);
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
