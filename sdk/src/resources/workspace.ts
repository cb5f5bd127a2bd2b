import type { RequestOptions, Transport } from '../transport';
import type { UpdateWorkspaceParams, Workspace as WorkspaceBody } from '../types';

/** `/v1/workspace`: the root key's own workspace (root key scope `workspaces:admin` to change it). */
export class WorkspaceResource {
  constructor(private readonly transport: Transport) {}

  /** The workspace: its limits, plan limits, credit balance and failed-auth policy. */
  async get(options?: RequestOptions): Promise<WorkspaceBody> {
    return (await this.transport.request<WorkspaceBody>({ method: 'GET', path: '/v1/workspace', retry: 'safe' }, options)).body;
  }

  /** Changes the workspace's settings; fields left out keep their value. */
  async update(params: UpdateWorkspaceParams, options?: RequestOptions): Promise<WorkspaceBody> {
    return (await this.transport.request<WorkspaceBody>({ method: 'PATCH', path: '/v1/workspace', body: params, retry: 'safe' }, options)).body;
  }
}
