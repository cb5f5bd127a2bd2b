// SPEC's example stack: a quota policy and a production key that follows it, rotated every 90 days with
// a 24-hour overlap, its secret as a sensitive output.
//
//   npx tsc -b && KEYSMITH_ENDPOINT=https://keys.example.com node dist/main.js [outdir]
//
// writes cdktf.out/stacks/keysmith/cdk.tf.json (or <outdir>/stacks/keysmith/cdk.tf.json; CDKTF_OUTDIR
// works too, as with `cdktf synth`). Then `terraform -chdir=cdktf.out/stacks/keysmith init && … apply`.
import { mkdirSync } from 'node:fs';
import { ApiKey, Duration, KeysmithProvider, QuotaPolicy } from '@keysmith/cdktf';
import { App, TerraformOutput, TerraformStack } from 'cdktf';

/** Where the provider finds Keysmith. Unset values are read by the provider from its own environment. */
export interface KeysmithStackProps {
  /** Base URL of the Keysmith service. @default the provider reads KEYSMITH_ENDPOINT at plan/apply */
  readonly endpoint?: string;
  /** Root key; when given it is written into cdk.tf.json. @default the provider reads KEYSMITH_ROOT_KEY at plan/apply */
  readonly rootKey?: string;
}

/** Adds the example stack to `app`. */
export function keysmithStack(app: App, id: string, { endpoint, rootKey }: KeysmithStackProps): TerraformStack {
  const stack = new TerraformStack(app, id);

  new KeysmithProvider(stack, 'keysmith', { endpoint, rootKey });
  const standard = new QuotaPolicy(stack, 'standard', { name: 'standard',
    quota: { daily: 10_000, monthly: 200_000 }, rateLimit: { limit: 60, window: Duration.minutes(1) } });
  const key = new ApiKey(stack, 'webshop', { name: 'Webshop integration', environment: 'production',
    scopes: ['push:send'], quotaPolicy: standard, ipAllowlist: ['10.0.0.0/8'],
    expiresIn: Duration.days(365), rotation: { every: Duration.days(90), overlap: Duration.hours(24) } });
  new TerraformOutput(stack, 'webshop_secret', { value: key.secret, sensitive: true });
  new TerraformOutput(stack, 'webshop_key_id', { value: key.keyId });
  return stack;
}

const outdir = process.argv[2] ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out';
mkdirSync(outdir, { recursive: true });
const app = new App({ outdir });
keysmithStack(app, 'keysmith', { endpoint: process.env.KEYSMITH_ENDPOINT, rootKey: process.env.KEYSMITH_ROOT_KEY });
app.synth();
