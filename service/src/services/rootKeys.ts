import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { AuthenticationError, NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { DEFAULT_FAILED_AUTH_POLICY, ROOT_SCOPES, type Actor, type Caller, type RootKey, type RootScope, type Workspace } from '../domain/model';
import type { PepperRing } from '../domain/pepper';
import { fingerprint, generateSecret, maskSecret, parseSecret } from '../domain/secrets';
import { countRootKeys, findRootKey, findRootKeyByHashes, insertRootKey, listRootKeys, markRootKeyRevoked, touchRootKey } from '../repositories/rootKeys';
import { findWorkspaceBySlug, insertWorkspace } from '../repositories/workspaces';
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

  /** The root key a bearer secret belongs to; an AuthenticationError for anything else. */
  async authenticate(secretText: string): Promise<RootKey> {
    const parsed = parseSecret(secretText);
    if (!parsed || parsed.env !== 'root') throw new AuthenticationError('root key is not valid');
    const name = fingerprint(secretText);
    const cached = this.cache.get(name);
    const rootKey = cached ?? (await findRootKeyByHashes(this.deps.db.knex, this.deps.peppers.candidateHashes(secretText)));
    if (!rootKey) throw new AuthenticationError('root key is not valid');
    if (!cached) this.cache.set(name, rootKey);
    // Recorded at most once a minute, so management reads do not each turn into a write.
    const now = this.deps.clock.now();
    if (!rootKey.lastUsedAt || now.getTime() - rootKey.lastUsedAt.getTime() >= 60_000) {
      rootKey.lastUsedAt = now;
      // Best effort: a root key's last use is informational, and must not turn an outage into an error here.
      await touchRootKey(this.deps.db.knex, rootKey.id, now).catch(() => undefined);
    }
    return rootKey;
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

  async isEmpty(): Promise<boolean> {
    return (await countRootKeys(this.deps.db.knex)) === 0;
  }

  /** Creates the workspace when it does not exist yet, and a root key for it (all scopes unless told). */
  async bootstrap(input: BootstrapInput, actor: Actor): Promise<BootstrapResult> {
    const { db, clock, peppers } = this.deps;
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
      const secret = generateSecret(workspace.slug, 'root');
      const rootKey: RootKey = {
        id: newId('rk'),
        workspaceId: workspace.id,
        name: input.rootKeyName,
        scopes: input.scopes ?? [...ROOT_SCOPES],
        start: maskSecret(secret),
        createdAt: now,
        lastUsedAt: null,
        revokedAt: null,
      };
      await insertRootKey(tx, rootKey, peppers.digest(secret));
      const caller = { workspaceId: workspace.id, actor };
      if (workspaceCreated) {
        await recordChange(tx, clock, caller, { action: 'workspace.created', targetType: 'workspace', targetId: workspace.id, before: null, after: workspace });
      }
      await recordChange(tx, clock, caller, { action: 'root_key.created', targetType: 'root_key', targetId: rootKey.id, before: null, after: rootKey });
      return { workspace, workspaceCreated, rootKey, secret };
    });
  }
}
