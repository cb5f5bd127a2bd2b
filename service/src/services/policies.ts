import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { canonicalJson } from '../domain/canonical';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { Caller, LimitSettings, Page, QuotaPolicy } from '../domain/model';
import { deletePolicy, findPolicy, insertPolicy, keysUsingPolicy, listPolicies, updatePolicy } from '../repositories/quotaPolicies';
import { findWorkspace } from '../repositories/workspaces';
import type { Publish } from '../verify/ports';
import { recordChange } from './audit';
import { decodeTextCursor, toPage } from './cursor';

/** How many of the keys that hold a policy in use a refused delete names. */
const NAMED_POLICY_USERS = 20;

export type CreatePolicyInput = { name: string } & Partial<LimitSettings>;
export type UpdatePolicyInput = Partial<CreatePolicyInput>;

/** Reusable {quota, rateLimit, credits} bundles that keys point at. */
export class PolicyService {
  constructor(private readonly deps: { db: Database; clock: Clock; publish?: Publish }) {}

  async create(caller: Caller, input: CreatePolicyInput): Promise<QuotaPolicy> {
    const now = this.deps.clock.now();
    const policy: QuotaPolicy = {
      id: newId('pol'),
      workspaceId: caller.workspaceId,
      name: input.name,
      quota: input.quota ?? null,
      rateLimit: input.rateLimit ?? null,
      credits: input.credits ?? null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.db.transaction(async (tx) => {
      await insertPolicy(tx, policy);
      await this.audit(tx, caller, 'quota_policy.created', policy.id, null, policy);
    });
    return policy;
  }

  async get(caller: Caller, id: string): Promise<QuotaPolicy> {
    const policy = await findPolicy(this.deps.db.knex, caller.workspaceId, id);
    if (!policy) throw new NotFoundError('quota policy', id);
    return policy;
  }

  async list(caller: Caller, page: { cursor?: string; limit: number }): Promise<Page<QuotaPolicy>> {
    const items = await listPolicies(this.deps.db.knex, caller.workspaceId, {
      limit: page.limit,
      ...(page.cursor ? { afterId: decodeTextCursor(page.cursor) } : {}),
    });
    return toPage(items, page.limit, (p) => p.id);
  }

  async update(caller: Caller, id: string, patch: UpdatePolicyInput, expectedVersion?: number): Promise<QuotaPolicy> {
    const updated = await this.deps.db.transaction(async (tx) => {
      const current = await this.lock(tx, caller.workspaceId, id);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new PreconditionFailedError(`quota policy ${id}`, expectedVersion, current.version);
      }
      const edited: QuotaPolicy = { ...current, ...patch };
      if (canonicalJson(edited) === canonicalJson(current)) return current;
      const next: QuotaPolicy = { ...edited, version: current.version + 1, updatedAt: this.deps.clock.now() };
      await updatePolicy(tx, next);
      await this.audit(tx, caller, 'quota_policy.updated', id, current, next);
      return next;
    });
    this.deps.publish?.({ kind: 'policy', id });
    return updated;
  }

  /** Refused while any key still points at the policy, naming the first keys so they can be found. */
  async delete(caller: Caller, id: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await this.lock(tx, caller.workspaceId, id);
      const users = await keysUsingPolicy(tx, id, NAMED_POLICY_USERS);
      if (users.count > 0) {
        const named = users.first.map((key) => `${key.id} (${key.name})`);
        const more = users.count - users.first.length;
        throw new ConflictError(
          'POLICY_IN_USE',
          `quota policy ${id} is used by ${users.count} key${users.count === 1 ? '' : 's'}: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}; point them elsewhere first`,
          named.map((message) => ({ field: 'keys', message })),
        );
      }
      await deletePolicy(tx, caller.workspaceId, id);
      await this.audit(tx, caller, 'quota_policy.deleted', id, current, null);
    });
    this.deps.publish?.({ kind: 'policy', id });
  }

  /**
   * Locks the workspace row, then the policy: the order every change takes (the audit insert needs the
   * workspace row too), so a delete racing a create that attaches the policy waits instead of deadlocking.
   */
  private async lock(tx: Knex.Transaction, workspaceId: string, id: string): Promise<QuotaPolicy> {
    await findWorkspace(tx, workspaceId, { forUpdate: true });
    const policy = await findPolicy(tx, workspaceId, id, { forUpdate: true });
    if (!policy) throw new NotFoundError('quota policy', id);
    return policy;
  }

  private audit(tx: Knex.Transaction, caller: Caller, action: string, id: string, before: object | null, after: object | null): Promise<void> {
    return recordChange(tx, this.deps.clock, caller, { action, targetType: 'quota_policy', targetId: id, before, after });
  }
}
