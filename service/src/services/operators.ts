import type { Clock } from '../clock';
import type { Database, Queryable } from '../db/database';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { Caller, Operator, OperatorRole } from '../domain/model';
import { checkPassword, type PasswordHasher } from '../domain/passwords';
import {
  deleteMembership,
  deleteOperatorIfUnattached,
  findOperatorByEmail,
  insertMembership,
  insertOperator,
  listWorkspaceOperators,
  updateMembershipRole,
  updateOperatorName,
  updateOperatorPassword,
} from '../repositories/operators';
import { endOperatorSessions } from '../repositories/sessions';
import { recordChange } from './audit';

export interface AddOperatorInput {
  email: string;
  name?: string;
  role: OperatorRole;
  /** Needed for a new account; ignored when the email already has one (it joins this workspace). */
  password?: string;
}

export interface UpdateOperatorInput {
  role?: OperatorRole;
  name?: string;
}

/** Emails compare without regard to case or surrounding spaces. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Operators of a workspace and their roles: who may sign in to the console, and what they may do there. */
export class OperatorService {
  constructor(private readonly deps: { db: Database; clock: Clock; hasher: PasswordHasher }) {}

  async list(caller: Caller): Promise<Operator[]> {
    return listWorkspaceOperators(this.deps.db.knex, caller.workspaceId);
  }

  /** A new account with a membership, or a membership for the account that has this email. */
  async add(caller: Caller, input: AddOperatorInput): Promise<Operator> {
    const { db, clock, hasher } = this.deps;
    const email = normaliseEmail(input.email);
    const existing = await findOperatorByEmail(db.knex, email);
    let passwordHash: string | null = null;
    if (!existing) {
      if (input.password === undefined) throw ValidationError.forField('password', 'is required for a new operator');
      checkPassword(input.password);
      passwordHash = await hasher.hash(input.password);
    }
    return db.transaction(async (tx) => {
      const now = clock.now();
      const account = (await findOperatorByEmail(tx, email)) ?? null;
      let id: string;
      if (account) {
        id = account.id;
      } else {
        if (passwordHash === null) throw new ConflictError('OPERATOR_EXISTS', `the operator ${email} was removed while being added; try again`);
        id = newId('op');
        await insertOperator(tx, { id, email, name: input.name ?? email, passwordHash, createdAt: now, lastLoginAt: null });
      }
      await insertMembership(tx, id, caller.workspaceId, input.role, now);
      const operator = await this.findIn(tx, caller.workspaceId, id);
      await recordChange(tx, clock, caller, { action: 'operator.added', targetType: 'operator', targetId: id, before: null, after: operator });
      return operator;
    });
  }

  /** Changes a role or a name. The workspace's last owner cannot be demoted (409 LAST_OWNER). */
  async update(caller: Caller, id: string, input: UpdateOperatorInput): Promise<Operator> {
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      const operators = await listWorkspaceOperators(tx, caller.workspaceId, true);
      const before = operators.find((o) => o.id === id);
      if (!before) throw new NotFoundError('operator', id);
      if (input.role !== undefined && input.role !== before.role) {
        if (before.role === 'owner' && ownersOf(operators) === 1) throw lastOwner(before, 'demoted');
        await updateMembershipRole(tx, id, caller.workspaceId, input.role);
      }
      if (input.name !== undefined && input.name !== before.name) await updateOperatorName(tx, id, input.name);
      const after = await this.findIn(tx, caller.workspaceId, id);
      await recordChange(tx, clock, caller, { action: 'operator.updated', targetType: 'operator', targetId: id, before, after });
      return after;
    });
  }

  /** Takes the operator out of the workspace and ends their sessions there; the last owner stays (409 LAST_OWNER). */
  async remove(caller: Caller, id: string): Promise<void> {
    const { db, clock } = this.deps;
    await db.transaction(async (tx) => {
      const operators = await listWorkspaceOperators(tx, caller.workspaceId, true);
      const before = operators.find((o) => o.id === id);
      if (!before) throw new NotFoundError('operator', id);
      if (before.role === 'owner' && ownersOf(operators) === 1) throw lastOwner(before, 'removed');
      const now = clock.now();
      await deleteMembership(tx, id, caller.workspaceId);
      await endOperatorSessions(tx, id, now, { workspaceId: caller.workspaceId });
      await deleteOperatorIfUnattached(tx, id);
      await recordChange(tx, clock, caller, { action: 'operator.removed', targetType: 'operator', targetId: id, before, after: null });
    });
  }

  /** The workspace's operator with this email (the CLI names operators by email). */
  async findByEmail(caller: Caller, email: string): Promise<Operator> {
    const wanted = normaliseEmail(email);
    const found = (await this.list(caller)).find((o) => o.email === wanted);
    if (!found) throw new NotFoundError('operator', wanted, `no operator with email ${wanted} in this workspace`);
    return found;
  }

  /** Sets a new password (the CLI's reset) and ends every session of the operator. */
  async resetPassword(caller: Caller, email: string, password: string): Promise<Operator> {
    const { db, clock, hasher } = this.deps;
    const operator = await this.findByEmail(caller, email);
    checkPassword(password);
    const hash = await hasher.hash(password);
    await db.transaction(async (tx) => {
      await updateOperatorPassword(tx, operator.id, hash);
      await endOperatorSessions(tx, operator.id, clock.now());
      await recordChange(tx, clock, caller, { action: 'operator.password_reset', targetType: 'operator', targetId: operator.id, before: null, after: null });
    });
    return operator;
  }

  private async findIn(tx: Queryable, workspaceId: string, id: string): Promise<Operator> {
    const operator = (await listWorkspaceOperators(tx, workspaceId)).find((o) => o.id === id);
    if (!operator) throw new NotFoundError('operator', id);
    return operator;
  }
}

const ownersOf = (operators: Operator[]): number => operators.filter((o) => o.role === 'owner').length;

const lastOwner = (operator: Operator, what: string): ConflictError =>
  new ConflictError('LAST_OWNER', `${operator.email} is the workspace's last owner and cannot be ${what}: make another operator owner first`);

