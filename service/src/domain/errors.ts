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

  constructor(kind: string, id: string) {
    super(`no ${kind} with id ${id}`);
  }
}

export type ConflictCode =
  | 'NAME_TAKEN'
  | 'KEY_HAS_HISTORY'
  | 'MAX_ACTIVE_KEYS'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'POLICY_IN_USE'
  | 'KEY_REVOKED'
  | 'WORKSPACE_EXISTS';

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
  readonly code = 'UNAUTHORIZED';
}

export class PermissionError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/** A dependency the call needs (the database) cannot be reached; nothing was changed or consumed. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}
