/** `@keysmith/sdk`: the typed client for the Keysmith API. */
export { Keysmith, type ClientOptions } from './client';
export type { RequestOptions } from './transport';
export { Page, PagePromise } from './pagination';
export { Keys } from './resources/keys';
export { QuotaPolicies } from './resources/quotaPolicies';
export { AuditEvents } from './resources/auditEvents';
export { WorkspaceResource } from './resources/workspace';
export { RootKeys } from './resources/rootKeys';
export {
  KeysmithError,
  ApiError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PreconditionFailedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  RateLimitError,
  InternalServerError,
  ServiceUnavailableError,
  ConnectionError,
  TimeoutError,
  RequestAbortedError,
  type FieldProblem,
} from './errors';
export type * from './types';
