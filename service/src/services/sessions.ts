import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { randomBase62 } from '../domain/base62';
import { AuthenticationError, ConflictError, InvalidCredentialsError, NotFoundError, ThrottledError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import { ROLE_SCOPES, type Caller, type OperatorRole, type RootScope } from '../domain/model';
import { checkPassword, type PasswordHasher } from '../domain/passwords';
import { findOperatorByEmail, findOperatorById, insertMembership, insertOperator, listMemberships, touchOperatorLogin, updateOperatorPassword, type Membership, type OperatorAccount } from '../repositories/operators';
import { clearLoginFailures, findSetupToken, insertLoginFailures, insertSetupToken, loginFailuresSince, pruneLoginFailures, useSetupToken } from '../repositories/operatorAccess';
import { endOperatorSessions, endSession, findSessionByTokenHash, insertSession, touchSession, type StoredSession } from '../repositories/sessions';
import { findWorkspace } from '../repositories/workspaces';
import { recordChange } from './audit';
import { normaliseEmail } from './operators';

export interface SessionSettings {
  /** A session unused this long ends. */
  idleMinutes: number;
  /** A session ends this long after sign-in, used or not. */
  maxHours: number;
  /** Failed sign-ins per address and per account within the window before sign-in is refused for a while. */
  loginMaxFailures: number;
  loginWindowMinutes: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMinutes: 30, maxHours: 12, loginMaxFailures: 10, loginWindowMinutes: 15 };

/** How long a first-owner setup link stays valid. */
export const SETUP_TOKEN_TTL_MS = 24 * 3600 * 1000;

/** A signed-in operator acting in one workspace, as one request sees them. */
export interface SessionContext {
  session: StoredSession;
  operator: { id: string; email: string; name: string };
  workspace: { id: string; slug: string };
  role: OperatorRole;
  scopes: readonly RootScope[];
  memberships: Membership[];
  /** When the session ends unless used again (idle), or for good (absolute), whichever comes first. */
  expiresAt: Date;
}

/** What a sign-in or a setup hands back: the context and the cookie's token (never stored, never logged). */
export interface NewSession {
  context: SessionContext;
  token: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The CSRF token of a session: derived from its cookie token, so nothing more is stored, and useless without the cookie's value. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('keysmith csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The caller a session's request acts as: the operator, named by id and email in audit events. */
export function callerOfSession(context: SessionContext, requestId?: string): Caller {
  return {
    workspaceId: context.workspace.id,
    actor: { type: 'operator', id: context.operator.id, email: context.operator.email },
    ...(requestId ? { requestId } : {}),
  };
}

/** Sign-in, sessions, password change and the first owner's setup. */
export class SessionService {
  constructor(private readonly deps: { db: Database; clock: Clock; hasher: PasswordHasher; settings: SessionSettings }) {}

  /**
   * Checks email and password; one answer (INVALID_CREDENTIALS) for an unknown email, a wrong password and
   * a workspace the operator is not in, after the same bcrypt work. Failures count per address and per
   * email; past the limit every attempt is refused (LOGIN_THROTTLED) until the oldest failure ages out.
   */
  async login(input: { email: string; password: string; workspace?: string }, ip: string): Promise<NewSession> {
    const { db, clock, hasher } = this.deps;
    const email = normaliseEmail(input.email);
    const subjects = [`ip:${ip}`, `email:${email}`];
    const now = clock.now();
    await this.refuseWhileThrottled(subjects, now);
    const account = await findOperatorByEmail(db.knex, email);
    const passwordMatches = await hasher.verify(input.password, account?.passwordHash ?? null);
    const memberships = account ? await listMemberships(db.knex, account.id) : [];
    const membership = input.workspace ? memberships.find((m) => m.workspaceSlug === input.workspace) : memberships[0];
    if (!account || !passwordMatches || !membership) {
      await this.countFailure(subjects, now);
      throw new InvalidCredentialsError();
    }
    await clearLoginFailures(db.knex, `email:${email}`);
    await touchOperatorLogin(db.knex, account.id, now);
    return this.open(account, membership, memberships);
  }

  /** The session a cookie token belongs to, while it lasts; a 401 otherwise (and an expired one ends). */
  async authenticate(token: string): Promise<SessionContext> {
    const { db, clock } = this.deps;
    const session = await findSessionByTokenHash(db.knex, sha256(token));
    if (!session || session.endedAt) throw new AuthenticationError('the session has ended: sign in again');
    const now = clock.now();
    if (now.getTime() >= this.expiryOf(session).getTime()) {
      await endSession(db.knex, session.id, now);
      throw new AuthenticationError('the session has expired: sign in again');
    }
    const account = await findOperatorById(db.knex, session.operatorId);
    const memberships = account ? await listMemberships(db.knex, account.id) : [];
    const membership = memberships.find((m) => m.workspaceId === session.workspaceId);
    if (!account || !membership) {
      await endSession(db.knex, session.id, now);
      throw new AuthenticationError('the session has ended: sign in again');
    }
    // Recorded at most once a minute, so reads do not each turn into a write; idle expiry is that coarse.
    if (now.getTime() - session.lastSeenAt.getTime() >= 60_000) {
      session.lastSeenAt = now;
      await touchSession(db.knex, session.id, now);
    }
    return this.contextOf(session, account, membership, memberships);
  }

  async logout(context: SessionContext): Promise<void> {
    await endSession(this.deps.db.knex, context.session.id, this.deps.clock.now());
  }

  /**
   * Needs the current password; ends every other session of the operator (in every workspace). A wrong
   * current password counts as a failed sign-in for the operator's email, so a stolen session cannot
   * guess the password faster than sign-in could (past the limit: LOGIN_THROTTLED, for both).
   */
  async changePassword(context: SessionContext, input: { currentPassword: string; newPassword: string }, requestId?: string): Promise<void> {
    const { db, clock, hasher } = this.deps;
    const subjects = [`email:${normaliseEmail(context.operator.email)}`];
    await this.refuseWhileThrottled(subjects, clock.now());
    const account = await findOperatorById(db.knex, context.operator.id);
    if (!account || !(await hasher.verify(input.currentPassword, account.passwordHash))) {
      await this.countFailure(subjects, clock.now());
      throw ValidationError.forField('currentPassword', 'is not the current password');
    }
    checkPassword(input.newPassword, 'newPassword');
    const hash = await hasher.hash(input.newPassword);
    await db.transaction(async (tx) => {
      await updateOperatorPassword(tx, account.id, hash);
      await endOperatorSessions(tx, account.id, clock.now(), { exceptId: context.session.id });
      await recordChange(tx, clock, callerOfSession(context, requestId), {
        action: 'operator.password_changed',
        targetType: 'operator',
        targetId: account.id,
        before: null,
        after: null,
      });
    });
  }

  /** LOGIN_THROTTLED while any of `subjects` (an address, an email) has had too many failures within the window. */
  private async refuseWhileThrottled(subjects: string[], now: Date): Promise<void> {
    const windowMs = this.deps.settings.loginWindowMinutes * 60_000;
    const failures = await loginFailuresSince(this.deps.db.knex, subjects, new Date(now.getTime() - windowMs));
    const over = failures.filter((f) => f.count >= this.deps.settings.loginMaxFailures);
    if (over.length === 0) return;
    const freeAt = Math.max(...over.map((f) => f.oldest.getTime() + windowMs));
    throw new ThrottledError(Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)));
  }

  private async countFailure(subjects: string[], now: Date): Promise<void> {
    await insertLoginFailures(this.deps.db.knex, subjects, now);
    await pruneLoginFailures(this.deps.db.knex, new Date(now.getTime() - this.deps.settings.loginWindowMinutes * 60_000));
  }

  /** A one-time link to create the workspace's first owner, valid 24 hours. Returns the token (shown once). */
  async createSetupToken(workspaceId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = this.deps.clock.now();
    const token = randomBase62(32);
    const expiresAt = new Date(now.getTime() + SETUP_TOKEN_TTL_MS);
    await insertSetupToken(this.deps.db.knex, sha256(token), { workspaceId, createdAt: now, expiresAt, usedAt: null });
    return { token, expiresAt };
  }

  /** The workspace a setup token is for, while it is unused and unexpired; 404 otherwise. */
  async checkSetupToken(token: string): Promise<{ id: string; slug: string }> {
    const { db, clock } = this.deps;
    const found = await findSetupToken(db.knex, sha256(token));
    if (!found || found.usedAt || clock.now().getTime() >= found.expiresAt.getTime()) throw setupLinkInvalid();
    const workspace = await findWorkspace(db.knex, found.workspaceId);
    if (!workspace) throw setupLinkInvalid();
    return { id: workspace.id, slug: workspace.slug };
  }

  /** Creates the workspace's owner from a setup token (used up by this) and signs them in. */
  async setup(input: { token: string; email: string; name: string; password: string }): Promise<NewSession> {
    const { db, clock, hasher } = this.deps;
    const workspace = await this.checkSetupToken(input.token);
    checkPassword(input.password);
    const email = normaliseEmail(input.email);
    const passwordHash = await hasher.hash(input.password);
    const account = await db.transaction(async (tx) => {
      const now = clock.now();
      if (!(await useSetupToken(tx, sha256(input.token), now))) throw setupLinkInvalid();
      if (await findOperatorByEmail(tx, email)) throw new ConflictError('OPERATOR_EXISTS', `an operator with email ${email} exists: sign in instead`);
      const created: OperatorAccount = { id: newId('op'), email, name: input.name, passwordHash, createdAt: now, lastLoginAt: now };
      await insertOperator(tx, created);
      await touchOperatorLogin(tx, created.id, now);
      await insertMembership(tx, created.id, workspace.id, 'owner', now);
      const after = { id: created.id, email, name: created.name, role: 'owner', createdAt: now, lastLoginAt: now };
      await recordChange(tx, clock, { workspaceId: workspace.id, actor: { type: 'system', id: 'setup-link' } }, {
        action: 'operator.added',
        targetType: 'operator',
        targetId: created.id,
        before: null,
        after,
      });
      return created;
    });
    const memberships = await listMemberships(db.knex, account.id);
    return this.open(account, memberships.find((m) => m.workspaceId === workspace.id)!, memberships);
  }

  private async open(account: OperatorAccount, membership: Membership, memberships: Membership[]): Promise<NewSession> {
    const now = this.deps.clock.now();
    const token = randomBase62(43);
    const session: StoredSession = {
      id: newId('ses'),
      operatorId: account.id,
      workspaceId: membership.workspaceId,
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: new Date(now.getTime() + this.deps.settings.maxHours * 3600_000),
      endedAt: null,
    };
    await insertSession(this.deps.db.knex, session, sha256(token));
    return { token, context: this.contextOf(session, account, membership, memberships) };
  }

  private expiryOf(session: StoredSession): Date {
    const idleEnd = session.lastSeenAt.getTime() + this.deps.settings.idleMinutes * 60_000;
    return new Date(Math.min(idleEnd, session.absoluteExpiresAt.getTime()));
  }

  private contextOf(session: StoredSession, account: OperatorAccount, membership: Membership, memberships: Membership[]): SessionContext {
    return {
      session,
      operator: { id: account.id, email: account.email, name: account.name },
      workspace: { id: membership.workspaceId, slug: membership.workspaceSlug },
      role: membership.role,
      scopes: ROLE_SCOPES[membership.role],
      memberships,
      expiresAt: this.expiryOf(session),
    };
  }
}

const setupLinkInvalid = (): NotFoundError => new NotFoundError('setup link', '-', 'this setup link is unknown, used or expired: ask for a new one (keysmith bootstrap --setup-link)');
