/**
 * The bench's protected service, run as its own process: `GET /open` without auth and `GET /protected`
 * behind the Keysmith plugin, otherwise identical. Reads KEYSMITH_BASE_URL and KEYSMITH_ROOT_KEY, prints
 * `listening <uri>`, stops on SIGTERM.
 */
import Hapi from '@hapi/hapi';
import { Keysmith } from '../src';
import { keysmithAuth } from '../src/hapi';

async function main(): Promise<void> {
  const server = Hapi.server({ host: '127.0.0.1', port: 0 });
  await server.register({ plugin: keysmithAuth, options: { client: new Keysmith() } });
  server.auth.strategy('keysmith', 'keysmith');
  server.route([
    { method: 'GET', path: '/open', options: { auth: false, handler: () => ({ ok: true }) } },
    { method: 'GET', path: '/protected', options: { auth: 'keysmith', handler: () => ({ ok: true }) } },
  ]);
  await server.start();
  process.stdout.write(`listening ${server.info.uri}\n`);
  process.once('SIGTERM', () => void server.stop({ timeout: 1_000 }).then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
