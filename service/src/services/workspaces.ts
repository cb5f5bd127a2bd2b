import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { canonicalJson } from '../domain/canonical';
import { NotFoundError } from '../domain/errors';
import type { Caller, FailedAuthPolicy, Workspace } from '../domain/model';
import { findWorkspace, listWorkspaces, updateWorkspaceSettings } from '../repositories/workspaces';
import type { Publish } from '../verify/ports';
import { recordChange } from './audit';

export interface WorkspaceSettingsInput {
  name?: string;
  maxActiveKeys?: number | null;
  planLimits?: { perSecond?: number | null; perMinute?: number | null };
  failedAuthPolicy?: Partial<FailedAuthPolicy>;
}

/** Workspaces (tenants). Made by bootstrap; their limits are set by a root key with workspaces:admin. */
export class WorkspaceService {
  constructor(private readonly deps: { db: Database; clock: Clock; publish?: Publish }) {}

  list(): Promise<Workspace[]> {
    return listWorkspaces(this.deps.db.knex);
  }

  async get(caller: Caller): Promise<Workspace> {
    const workspace = await findWorkspace(this.deps.db.knex, caller.workspaceId);
    if (!workspace) throw new NotFoundError('workspace', caller.workspaceId);
    return workspace;
  }

  /** Edits the caller's workspace; verification on every instance picks the change up at once. */
  async update(caller: Caller, input: WorkspaceSettingsInput): Promise<Workspace> {
    const updated = await this.deps.db.transaction(async (tx) => {
      const current = await findWorkspace(tx, caller.workspaceId, { forUpdate: true });
      if (!current) throw new NotFoundError('workspace', caller.workspaceId);
      const next: Workspace = {
        ...current,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.maxActiveKeys !== undefined ? { maxActiveKeys: input.maxActiveKeys } : {}),
        planLimits: { ...current.planLimits, ...input.planLimits },
        failedAuthPolicy: { ...current.failedAuthPolicy, ...input.failedAuthPolicy },
      };
      if (canonicalJson(next) === canonicalJson(current)) return current;
      await updateWorkspaceSettings(tx, next);
      await recordChange(tx, this.deps.clock, caller, { action: 'workspace.updated', targetType: 'workspace', targetId: current.id, before: current, after: next });
      return next;
    });
    this.deps.publish?.({ kind: 'workspace', id: caller.workspaceId });
    return updated;
  }
}
