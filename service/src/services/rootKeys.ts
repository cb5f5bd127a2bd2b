import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Database } from '../db/database';
import type { Maybe } from '../maybe';
import { AuthenticationError, NotFoundError, PermissionError } from '../domain/errors';
import { newId } from '../domain/ids';
import { DEFAULT_FAILED_AUTH_POLICY, ROOT_SCOPES, type Actor, type Caller, type RootKey, type RootScope, type Workspace } from '../domain/model';
import type { PepperRing } from '../domain/pepper';
import { fingerprint, generateSecret, maskSecret, parseSecret } from '../domain/secrets';
import { countRootKeys, findRootKey, findRootKeyByHashes, insertRootKey, listRootKeys, markRootKeyRevoked, touchRootKey } from '../repositories/rootKeys';
import { findWorkspace, findWorkspaceBySlug, insertWorkspace } from '../repositories/workspaces';
import type { Publish } from '../verify/ports';
import { LruCache } from '../verify/cache';
import { recordChange } from './audit';

export interface BootstrapInput {
  workspaceSlug: string;
  /** Used only when the workspace is created. */
  workspaceName?: string;
  /** Used only when the workspace is created. */
  maxActiveKeys?: number | null;
  rootKeyName: string;
  scopes?: RootScope[];
}

export interface CreateRootKeyInput {
  name: string;
  scopes: RootScope[];
}

/** A new root key and its secret, which is shown once. */
export interface IssuedRootKey {
  rootKey: RootKey;
  secret: string;
}

export interface BootstrapResult {
  workspace: Workspace;
  workspaceCreated: boolean;
  rootKey: RootKey;
  /** Shown once. */
  secret: string;
}

/** Root keys: the credentials of the management API. */
export class RootKeyService {
  /**
   * Authenticated root keys by fingerprint, so a busy verifier does not look its own root key up per call.
   * Revocation drops the entry on every instance (through `publish`); the TTL bounds anything missed.
   */
  private readonly cache: LruCache<string, RootKey>;

  constructor(private readonly deps: { db: Database; clock: Clock; peppers: PepperRing; publish?: Publish; cacheTtlMs?: number }) {
    this.cache = new LruCache(1000, deps.cacheTtlMs ?? 30_000);
  }

  /** Forgets a cached root key (it was revoked, here or on another instance). */
  invalidate(id: string | null): void {
    if (id === null) this.cache.clear();
    else this.cache.deleteWhere((rootKey) => rootKey.id === id);
  }

  /**
   * The root key a bearer secret belongs to, at once when it is cached; an AuthenticationError for anything
   * else (thrown at once for a malformed secret).
   */
  authenticate(secretText: string): Maybe<RootKey> {
    const parsed = parseSecret(secretText);
    if (!parsed || parsed.env !== 'root') throw new AuthenticationError('root key is not valid');
    const name = fingerprint(secretText);
    const cached = this.cache.get(name);
    if (cached) return this.used(cached);
    return findRootKeyByHashes(this.deps.db.knex, this.deps.peppers.candidateHashes(secretText)).then((rootKey) => {
      if (!rootKey) throw new AuthenticationError('root key is not valid');
      this.cache.set(name, rootKey);
      return this.used(rootKey);
    });
  }

  /** Records a root key's use at most once a minute, so management reads do not each turn into a write. */
  private used(rootKey: RootKey): Maybe<RootKey> {
    const now = this.deps.clock.now();
    if (rootKey.lastUsedAt && now.getTime() - rootKey.lastUsedAt.getTime() < 60_000) return rootKey;
    rootKey.lastUsedAt = now;
    // Best effort: a root key's last use is informational, and must not turn an outage into an error here.
    return touchRootKey(this.deps.db.knex, rootKey.id, now).then(
      () => rootKey,
      () => rootKey,
    );
  }

  list(workspaceId: string): Promise<RootKey[]> {
    return listRootKeys(this.deps.db.knex, workspaceId);
  }

  /** Stops a root key for good (a leaked or unused one); its secret is refused from then on. */
  async revoke(caller: Caller, id: string): Promise<RootKey> {
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      const before = await findRootKey(tx, caller.workspaceId, id);
      if (!before) throw new NotFoundError('root key', id);
      if (before.revokedAt) return before;
      const after = { ...before, revokedAt: clock.now() };
      await markRootKeyRevoked(tx, id, after.revokedAt);
      await recordChange(tx, clock, caller, { action: 'root_key.revoked', targetType: 'root_key', targetId: id, before, after });
      return after;
    }).then((after) => {
      this.deps.publish?.({ kind: 'root_key', id });
      return after;
    });
  }

  /**
   * A new root key of the caller's workspace. A caller cannot hand out more than it holds: a scope
   * outside `callerScopes` is refused, naming it, so a `workspaces:admin` key cannot mint itself `keys:write`.
   */
  async create(caller: Caller, callerScopes: readonly RootScope[], input: CreateRootKeyInput): Promise<IssuedRootKey> {
    const missing = input.scopes.filter((scope) => !callerScopes.includes(scope));
    if (missing.length > 0) {
      throw new PermissionError(
        `${caller.actor.type}:${caller.actor.id} does not hold the scope${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, so it cannot grant ${missing.length === 1 ? 'it' : 'them'} to a new root key`,
      );
    }
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      const workspace = await findWorkspace(tx, caller.workspaceId);
      if (!workspace) throw new NotFoundError('workspace', caller.workspaceId);
      return this.issue(tx, workspace, caller, { name: input.name, scopes: [...new Set(input.scopes)] }, clock.now());
    });
  }

  async isEmpty(): Promise<boolean> {
    return (await countRootKeys(this.deps.db.knex)) === 0;
  }

  /** Creates the workspace when it does not exist yet, and a root key for it (all scopes unless told). */
  async bootstrap(input: BootstrapInput, actor: Actor): Promise<BootstrapResult> {
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      const now = clock.now();
      let workspace = await findWorkspaceBySlug(tx, input.workspaceSlug);
      const workspaceCreated = workspace === null;
      if (!workspace) {
        workspace = {
          id: newId('ws'),
          slug: input.workspaceSlug,
          name: input.workspaceName ?? input.workspaceSlug,
          maxActiveKeys: input.maxActiveKeys ?? null,
          planLimits: { perSecond: null, perMinute: null },
          creditBalance: null,
          failedAuthPolicy: DEFAULT_FAILED_AUTH_POLICY,
          createdAt: now,
        };
        await insertWorkspace(tx, workspace);
      }
      const caller = { workspaceId: workspace.id, actor };
      if (workspaceCreated) {
        await recordChange(tx, clock, caller, { action: 'workspace.created', targetType: 'workspace', targetId: workspace.id, before: null, after: workspace });
      }
      const issued = await this.issue(tx, workspace, caller, { name: input.rootKeyName, scopes: input.scopes ?? [...ROOT_SCOPES] }, now);
      return { workspace, workspaceCreated, ...issued };
    });
  }

  /** Stores a new root key and its audit event; the secret leaves only in the answer. */
  private async issue(tx: Knex.Transaction, workspace: Workspace, caller: Caller, input: CreateRootKeyInput, now: Date): Promise<IssuedRootKey> {
    const secret = generateSecret(workspace.slug, 'root');
    const rootKey: RootKey = {
      id: newId('rk'),
      workspaceId: workspace.id,
      name: input.name,
      scopes: input.scopes,
      start: maskSecret(secret),
      createdAt: now,
      createdBy: `${caller.actor.type}:${caller.actor.id}`,
      lastUsedAt: null,
      revokedAt: null,
    };
    await insertRootKey(tx, rootKey, this.deps.peppers.digest(secret));
    await recordChange(tx, this.deps.clock, caller, { action: 'root_key.created', targetType: 'root_key', targetId: rootKey.id, before: null, after: rootKey });
    return { rootKey, secret };
  }
}
