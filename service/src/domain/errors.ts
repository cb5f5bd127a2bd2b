/**
 * Domain errors. Services and repositories throw these; exactly one place
 * (http/errors.ts) turns them into HTTP answers, and the CLI prints them.
 */
export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `quota.daily` or `ipAllowlist.2`. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly details?: FieldProblem[];

  constructor(message: string, details?: FieldProblem[]) {
    super(message);
    this.name = new.target.name;
    if (details) this.details = details;
  }
}

/** Input that passed the schema but is wrong in context (e.g. a policy id that does not exist). */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';

  static forField(field: string, message: string): ValidationError {
    return new ValidationError(`${field}: ${message}`, [{ field, message }]);
  }
}

/** Unknown object, or one that belongs to another workspace: the caller cannot tell the two apart. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';

  /** `message` replaces the default one where the id must not be repeated (a secret token). */
  constructor(kind: string, id: string, message?: string) {
    super(message ?? `no ${kind} with id ${id}`);
  }
}

export type ConflictCode =
  | 'NAME_TAKEN'
  | 'KEY_HAS_HISTORY'
  | 'MAX_ACTIVE_KEYS'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'POLICY_IN_USE'
  | 'KEY_REVOKED'
  | 'WORKSPACE_EXISTS'
  | 'LAST_OWNER'
  | 'OPERATOR_EXISTS';

export class ConflictError extends DomainError {
  constructor(
    readonly code: ConflictCode,
    message: string,
    details?: FieldProblem[],
  ) {
    super(message, details);
  }
}

/** `If-Match` named a version that is no longer current. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'VERSION_MISMATCH';

  constructor(kind: string, expected: number, actual: number) {
    super(`${kind} is at version ${actual}, not ${expected}: fetch it again and reapply your change`);
  }
}

export class AuthenticationError extends DomainError {
  readonly code: string = 'UNAUTHORIZED';
}

export class PermissionError extends DomainError {
  readonly code: string = 'FORBIDDEN';
}

/** A sign-in with a wrong email or password: one message for both, so it does not tell which. */
export class InvalidCredentialsError extends AuthenticationError {
  override readonly code = 'INVALID_CREDENTIALS';

  constructor() {
    super('email or password is incorrect');
  }
}

/** A state-changing call made with a session cookie but without its X-CSRF-Token. */
export class CsrfError extends PermissionError {
  override readonly code = 'CSRF_FAILED';
}

/** Too many failed sign-ins from this address or for this account; try again after `retryAfterSeconds`. */
export class ThrottledError extends DomainError {
  readonly code = 'LOGIN_THROTTLED';

  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins or password checks; try again in ${retryAfterSeconds} seconds`);
  }
}

/** A dependency the call needs (the database) cannot be reached; nothing was changed or consumed. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}
