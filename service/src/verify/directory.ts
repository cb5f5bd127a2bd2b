import { createHash } from 'node:crypto';
import type { Database } from '../db/database';
import { canonicalJson } from '../domain/canonical';
import { effectiveLimits } from '../domain/limits';
import type { Environment, FailedAuthPolicy, QuotaPolicy, StoredKeyState, Workspace } from '../domain/model';
import type { PepperRing } from '../domain/pepper';
import { compileAllowlist, compileResources, type IpMatcher } from '../domain/verification';
import { findPolicy } from '../repositories/quotaPolicies';
import { findKeyBySecretHashes, type FoundSecret } from '../repositories/verification';
import { findWorkspace } from '../repositories/workspaces';
import { LruCache } from './cache';
import type { LeasedLimits } from './leases';
import { countDbQuery, type Metrics } from './metrics';
import type { Invalidation, WindowCheck } from './ports';

/** A key as verification needs it: settings compiled once, when it enters the cache. */
export interface VerifiableKey {
  id: string;
  /** The secret's fingerprint (SHA-256, base64), as looked up. */
  fingerprint: string;
  workspaceId: string;
  name: string;
  environment: Environment;
  state: StoredKeyState;
  expiresAt: number | null;
  /** The matched secret's own end (the old secret of a rotation with overlap). */
  secretExpiresAt: number | null;
  scopes: string[];
  scopeSet: ReadonlySet<string>;
  resources: RegExp[] | null;
  ip: IpMatcher;
  metadata: Record<string, unknown> | null;
  policyId: string | null;
  /** Plan windows first, the key's own rate limit last. */
  rateChecks: WindowCheck[];
  planChecks: number;
  leased: LeasedLimits;
  /** Whether the workspace's credit balance is limited: each request's cost is also taken from it. */
  workspaceBalance: boolean;
  failedAuth: FailedAuthPolicy;
  /** Whether this instance has already recorded the key's first use. */
  used: boolean;
}

export interface DirectoryOptions {
  maxKeys: number;
  ttlMs: number;
}

/** Well-formed secrets that match no key, remembered so a client that keeps sending one costs one lookup per `ttlMs`. */
const MAX_ABSENT = 100_000;

/**
 * Finds keys by secret for verification, through a bounded LRU cache keyed by the secret's fingerprint.
 * Entries are dropped precisely on invalidation (this instance's changes at once, other instances' through
 * the bus) and expire after `ttlMs` in any case. A lookup that raced an invalidation is used once but not
 * cached, so a change is never hidden behind an entry read before it.
 */
export class KeyDirectory {
  private readonly keys: LruCache<string, VerifiableKey>;
  /**
   * Fingerprints no key has, apart from `keys` so that a flood of unknown secrets cannot push real keys
   * out. Secrets are random and never come back once gone, so a secret remembered as unknown can only
   * become known by a new key being given it, which takes 190 bits of luck; entries still expire with `ttlMs`.
   */
  private readonly absent: LruCache<string, true>;
  private readonly workspaces: LruCache<string, Workspace>;
  private readonly policies: LruCache<string, QuotaPolicy | null>;
  private generation = 0;
  /**
   * Lookups in flight by fingerprint: a burst for one uncached key makes one lookup, not one per request
   * (which queued for the pool). Joined only within the generation it started in, so a change is never hidden.
   */
  private readonly loading = new Map<string, { generation: number; key: Promise<VerifiableKey | null> }>();

  constructor(
    private readonly deps: { db: Database; peppers: PepperRing; metrics: Metrics },
    options: DirectoryOptions,
  ) {
    this.keys = new LruCache(options.maxKeys, options.ttlMs);
    this.absent = new LruCache(MAX_ABSENT, options.ttlMs);
    this.workspaces = new LruCache(1000, options.ttlMs);
    this.policies = new LruCache(10_000, options.ttlMs);
  }

  get size(): number {
    return this.keys.size;
  }

  /** The key cached under a secret's fingerprint; null when the secret is known to match none; undefined when not known. */
  cached(fingerprint: string): VerifiableKey | null | undefined {
    return this.keys.get(fingerprint) ?? (this.absent.get(fingerprint) ? null : undefined);
  }

  /** Looks the secret up in the database (every pepper version); null when no live secret matches. Throws on database errors. */
  load(secret: string, fingerprint: string, now: number): Promise<VerifiableKey | null> {
    const joined = this.loading.get(fingerprint);
    if (joined && joined.generation === this.generation) return joined.key;
    const loading = { generation: this.generation, key: this.lookUp(secret, fingerprint, now) };
    this.loading.set(fingerprint, loading);
    const forget = (): void => {
      if (this.loading.get(fingerprint) === loading) this.loading.delete(fingerprint);
    };
    loading.key.then(forget, forget);
    return loading.key;
  }

  private async lookUp(secret: string, fingerprint: string, now: number): Promise<VerifiableKey | null> {
    const generation = this.generation;
    countDbQuery(this.deps.metrics, 'lookup');
    const found = await findKeyBySecretHashes(this.deps.db.knex, this.deps.peppers.candidateHashes(secret), now);
    if (!found) {
      if (generation === this.generation) this.absent.set(fingerprint, true);
      return null;
    }
    const workspace = await this.workspace(found.key.workspaceId);
    const policy = found.key.quotaPolicyId ? await this.policy(found.key.workspaceId, found.key.quotaPolicyId) : null;
    const key = compile(found, fingerprint, workspace, policy);
    if (generation === this.generation) this.keys.set(fingerprint, key);
    return key;
  }

  /** The workspace's failed-attempt policy (cached with the workspace; loaded once otherwise). */
  async failedAuthPolicy(workspaceId: string): Promise<FailedAuthPolicy> {
    return (await this.workspace(workspaceId)).failedAuthPolicy;
  }

  /** The workspace's failed-attempt policy if its workspace is cached (no database call). */
  cachedFailedAuthPolicy(workspaceId: string): FailedAuthPolicy | undefined {
    return this.workspaces.get(workspaceId)?.failedAuthPolicy;
  }

  private async workspace(id: string): Promise<Workspace> {
    let workspace = this.workspaces.get(id);
    if (!workspace) {
      countDbQuery(this.deps.metrics, 'config');
      workspace = (await findWorkspace(this.deps.db.knex, id))!;
      this.workspaces.set(id, workspace);
    }
    return workspace;
  }

  private async policy(workspaceId: string, id: string): Promise<QuotaPolicy | null> {
    let policy = this.policies.get(id);
    if (policy === undefined) {
      countDbQuery(this.deps.metrics, 'config');
      policy = await findPolicy(this.deps.db.knex, workspaceId, id);
      this.policies.set(id, policy);
    }
    return policy;
  }

  /** Drops what `event` names; returns the ids of keys dropped (their leases must go too). */
  invalidate(event: Invalidation): void {
    this.generation++;
    switch (event.kind) {
      case 'key':
        this.keys.deleteWhere((k) => k.id === event.id);
        break;
      case 'policy':
        this.policies.delete(event.id);
        this.keys.deleteWhere((k) => k.policyId === event.id);
        break;
      case 'workspace':
        this.workspaces.delete(event.id);
        this.keys.deleteWhere((k) => k.workspaceId === event.id);
        break;
      case 'all':
        this.keys.clear();
        this.absent.clear();
        this.workspaces.clear();
        this.policies.clear();
        break;
      case 'root_key':
        break;
    }
  }
}

function compile(found: FoundSecret, fingerprint: string, workspace: Workspace, policy: QuotaPolicy | null): VerifiableKey {
  const { key } = found;
  const limits = effectiveLimits(key, policy);
  const plan: WindowCheck[] = [];
  if (workspace.planLimits.perSecond !== null) plan.push({ id: `plan-s:${workspace.id}`, limit: workspace.planLimits.perSecond, windowMs: 1000 });
  if (workspace.planLimits.perMinute !== null) plan.push({ id: `plan-m:${workspace.id}`, limit: workspace.planLimits.perMinute, windowMs: 60_000 });
  const credits = limits.credits;
  // Whose credits and which settings: a new digest starts a new balance.
  const creditSource = credits
    ? createHash('sha256').update(canonicalJson({ from: key.credits ? 'key' : `policy:${key.quotaPolicyId}`, credits })).digest('hex')
    : null;
  return {
    id: key.id,
    fingerprint,
    workspaceId: key.workspaceId,
    name: key.name,
    environment: key.environment,
    state: key.state,
    expiresAt: key.expiresAt?.getTime() ?? null,
    secretExpiresAt: found.secretExpiresAt,
    scopes: key.scopes,
    scopeSet: new Set(key.scopes),
    resources: compileResources(key.resources),
    ip: compileAllowlist(key.ipAllowlist),
    metadata: key.metadata,
    policyId: key.quotaPolicyId,
    rateChecks: [...plan, { id: `key:${key.id}`, limit: limits.rateLimit.limit, windowMs: limits.rateLimit.windowSeconds * 1000 }],
    planChecks: plan.length,
    leased: {
      keyId: key.id,
      signature: canonicalJson({ quota: limits.quota, creditSource }),
      quota: limits.quota,
      credits: credits && creditSource ? { source: creditSource, settings: credits } : null,
    },
    workspaceBalance: workspace.creditBalance !== null,
    failedAuth: workspace.failedAuthPolicy,
    used: key.lastUsedAt !== null,
  };
}
