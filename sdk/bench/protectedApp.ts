/**
 * The bench's protected service, run as its own process: `GET /open` without auth, `GET /protected`
 * behind the Keysmith plugin, and `GET /by-hand`, which calls `verify` in its handler as an application
 * without the plugin would (so the plugin's own cost shows apart from the verification's). Reads
 * KEYSMITH_BASE_URL and KEYSMITH_ROOT_KEY, prints `listening <uri>`, stops on SIGTERM.
 */
import Boom from '@hapi/boom';
import Hapi from '@hapi/hapi';
import { Keysmith } from '../src';
import { keysmithAuth } from '../src/hapi';

async function main(): Promise<void> {
  const server = Hapi.server({ host: '127.0.0.1', port: 0 });
  const client = new Keysmith();
  await server.register({ plugin: keysmithAuth, options: { client } });
  server.auth.strategy('keysmith', 'keysmith');
  server.route([
    { method: 'GET', path: '/open', options: { auth: false, handler: () => ({ ok: true }) } },
    { method: 'GET', path: '/protected', options: { auth: 'keysmith', handler: () => ({ ok: true }) } },
    {
      method: 'GET',
      path: '/by-hand',
      options: {
        auth: false,
        handler: async (request) => {
          const key = request.headers['x-api-key'] as string;
          const result = await client.verify(key, { ip: request.info.remoteAddress, endpoint: 'GET /by-hand' });
          if (!result.valid) throw Boom.unauthorized(result.code);
          return { ok: true };
        },
      },
    },
  ]);
  await server.start();
  process.stdout.write(`listening ${server.info.uri}\n`);
  process.once('SIGTERM', () => void server.stop({ timeout: 1_000 }).then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
