import type { RequestOptions, Transport } from '../transport';
import type { CreateRootKeyParams, CreatedRootKey, RootKey } from '../types';

/** `/v1/root-keys`: the credentials of the management API (root key scope `workspaces:admin`). */
export class RootKeys {
  constructor(private readonly transport: Transport) {}

  /** The workspace's root keys, revoked ones included, oldest first (never their secrets). */
  async list(options?: RequestOptions): Promise<RootKey[]> {
    return (await this.transport.request<{ items: RootKey[] }>({ method: 'GET', path: '/v1/root-keys', retry: 'safe' }, options)).body.items;
  }

  /**
   * Creates a root key with some of the calling root key's own scopes (a scope it lacks is a
   * `PermissionDeniedError` naming it). The answer holds the secret, shown this once. Not retried after a
   * failure that may have reached the service, so a timeout cannot leave two root keys behind.
   */
  async create(params: CreateRootKeyParams, options?: RequestOptions): Promise<CreatedRootKey> {
    return (await this.transport.request<CreatedRootKey>({ method: 'POST', path: '/v1/root-keys', body: params, retry: 'uncounted' }, options)).body;
  }

  /** Stops a root key for good, on every instance of the service at once; revoking it again answers it unchanged. */
  async revoke(id: string, options?: RequestOptions): Promise<RootKey> {
    const path = `/v1/root-keys/${encodeURIComponent(id)}/revoke`;
    return (await this.transport.request<RootKey>({ method: 'POST', path, retry: 'safe' }, options)).body;
  }
}
