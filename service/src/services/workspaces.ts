import type { Database } from '../db/database';
import type { Workspace } from '../domain/model';
import { listWorkspaces } from '../repositories/workspaces';

/** Workspaces (tenants). Made by bootstrap; read by operators at the CLI. */
export class WorkspaceService {
  constructor(private readonly deps: { db: Database }) {}

  list(): Promise<Workspace[]> {
    return listWorkspaces(this.deps.db.knex);
  }
}
