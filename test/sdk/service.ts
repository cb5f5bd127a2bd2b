import type { Dialect } from '@keysmith/service';
import { Harness } from '@keysmith/service/dist/test/helpers/harness';
import { Keysmith, type ClientOptions } from '@keysmith/sdk';

/** The real service on a fresh database, listening on a random local port, and SDK clients for it. */
export class LiveService {
  private constructor(
    readonly harness: Harness,
    readonly baseUrl: string,
  ) {}

  static async start(dialect: Dialect, options: Parameters<typeof Harness.start>[1] = {}): Promise<LiveService> {
    const harness = await Harness.start(dialect, options);
    await harness.server.start();
    return new LiveService(harness, harness.server.info.uri);
  }

  /** A client as acme's full root key (or the given one); no retries unless asked, so errors show at once. */
  client(options: ClientOptions = {}): Keysmith {
    return new Keysmith({ baseUrl: this.baseUrl, rootKey: this.harness.tenants.acme.rootKey, maxRetries: 0, ...options });
  }

  /** A client as globex, the other tenant. */
  otherTenant(): Keysmith {
    return this.client({ rootKey: this.harness.tenants.globex.rootKey });
  }

  async stop(): Promise<void> {
    await this.harness.stop();
  }
}

/** A key name no other test of the run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 10)}`;
}

/** The rejection of a promise that must fail. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** The suite's service, started before its tests and stopped after them; `started` gets it and acme's client. */
export function useLiveService(dialect: Dialect, started: (service: LiveService, client: Keysmith) => void): void {
  let service: LiveService | undefined;
  before(async () => {
    service = await LiveService.start(dialect);
    started(service, service.client());
  });
  after(() => service?.stop());
}
