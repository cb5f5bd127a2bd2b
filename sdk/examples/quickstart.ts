// Examples shown in sdk/README.md and docs/sdk.md. They are compiled with the package (so a changed API
// breaks the build), and a test checks that every TypeScript block of those docs appears here verbatim.
import { Keysmith } from '../src';

export async function quickStart(): Promise<void> {
  const keysmith = new Keysmith({
    baseUrl: 'http://127.0.0.1:8080',
    rootKey: process.env.KEYSMITH_ROOT_KEY,
  });

  // Issue a key to a customer: the secret is in this answer only.
  const { key, secret } = await keysmith.keys.create({
    name: 'acme-billing',
    scopes: ['invoices:read'],
    quota: { daily: 10_000 },
  });
  console.log(key.id, key.start, secret);

  // In the service that receives the key: is it good for this request?
  const result = await keysmith.verify(secret, { ip: '203.0.113.9', scopes: ['invoices:read'], endpoint: 'GET /invoices' });
  if (!result.valid) console.log(`refused: ${result.code}`);
}
