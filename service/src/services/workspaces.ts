import type { Clock } from '../clock';
import type { Database, Queryable } from '../db/database';
import { canonicalJson } from '../domain/canonical';
import { NotFoundError } from '../domain/errors';
import type { Caller, FailedAuthPolicy, Workspace } from '../domain/model';
import { findBalance, setBalance } from '../repositories/workspaceBalance';
import { findWorkspace, listWorkspaces, updateWorkspaceSettings } from '../repositories/workspaces';
import type { Publish } from '../verify/ports';
import { recordChange } from './audit';

export interface WorkspaceSettingsInput {
  name?: string;
  maxActiveKeys?: number | null;
  planLimits?: { perSecond?: number | null; perMinute?: number | null };
  /** Sets the credit balance shared by the workspace's keys; null = unlimited. */
  creditBalance?: number | null;
  failedAuthPolicy?: Partial<FailedAuthPolicy>;
}

/** Units of a workspace's credit balance this instance holds leased and unspent, when of `generation`. */
export interface UnspentBalance {
  unspent(workspaceId: string, generation: number): number;
}

/** Workspaces (tenants). Made by bootstrap; their limits are set by a root key with workspaces:admin. */
export class WorkspaceService {
  constructor(private readonly deps: { db: Database; clock: Clock; publish?: Publish; balances?: UnspentBalance }) {}

  list(): Promise<Workspace[]> {
    return listWorkspaces(this.deps.db.knex);
  }

  async get(caller: Caller): Promise<Workspace> {
    const workspace = await this.find(this.deps.db.knex, caller.workspaceId);
    if (!workspace) throw new NotFoundError('workspace', caller.workspaceId);
    return workspace;
  }

  /**
   * Edits the caller's workspace; verification on every instance picks the change up at once. A
   * `creditBalance` different from the one shown sets the balance anew: what instances hold leased from
   * the old one is dropped rather than added to it.
   */
  async update(caller: Caller, input: WorkspaceSettingsInput): Promise<Workspace> {
    const updated = await this.deps.db.transaction(async (tx) => {
      const current = await this.find(tx, caller.workspaceId, { forUpdate: true });
      if (!current) throw new NotFoundError('workspace', caller.workspaceId);
      const next: Workspace = {
        ...current,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.maxActiveKeys !== undefined ? { maxActiveKeys: input.maxActiveKeys } : {}),
        ...(input.creditBalance !== undefined ? { creditBalance: input.creditBalance } : {}),
        planLimits: { ...current.planLimits, ...input.planLimits },
        failedAuthPolicy: { ...current.failedAuthPolicy, ...input.failedAuthPolicy },
      };
      if (canonicalJson(next) === canonicalJson(current)) return current;
      await updateWorkspaceSettings(tx, next);
      if (next.creditBalance !== current.creditBalance) await setBalance(tx, current.id, next.creditBalance);
      await recordChange(tx, this.deps.clock, caller, { action: 'workspace.updated', targetType: 'workspace', targetId: current.id, before: current, after: next });
      return next;
    });
    this.deps.publish?.({ kind: 'workspace', id: caller.workspaceId });
    return updated;
  }

  /**
   * The workspace with its remaining credit balance: what the database holds plus what this instance
   * holds leased and unspent. Units other instances hold count as spent until they give them back.
   */
  private async find(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Workspace | null> {
    const workspace = await findWorkspace(db, id, options);
    if (!workspace) return null;
    const stored = await findBalance(db, id);
    const creditBalance = stored.remaining === null ? null : stored.remaining + (this.deps.balances?.unspent(id, stored.generation) ?? 0);
    return { ...workspace, creditBalance };
  }
}
