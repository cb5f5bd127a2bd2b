// The ES module face of @keysmith/sdk: the same classes as the CommonJS build (re-exported, not a second
// copy), so `instanceof NotFoundError` holds whichever way an application loaded the package.
import sdk from '../dist/src/index.js';

export const {
  Keysmith,
  Page,
  PagePromise,
  Keys,
  QuotaPolicies,
  AuditEvents,
  WorkspaceResource,
  RootKeys,
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
} = sdk;
