// Preloaded with `node -r` to run a CDKTF program on the maintained fork `cdktn` without editing it:
// every `require('cdktf')` (and `cdktf/...`) resolves to `cdktn` instead, the way a one-line change of
// src/cdk.ts and of the app's own import would.
import Module from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolve };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const renamed = request === 'cdktf' || request.startsWith('cdktf/') ? `cdktn${request.slice('cdktf'.length)}` : request;
  return resolve.call(this, renamed, ...rest);
};
