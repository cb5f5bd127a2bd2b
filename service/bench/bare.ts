/**
 * The benchmark's baseline: a Hapi server whose `POST /v1/verify` does no work and answers a small VALID
 * result. Same framework, method, path, headers and body as the real call, so the ratio to it measures what
 * verification itself costs. Run as a child process (like the service) so both are measured alike.
 *
 *   PORT=0 node service/dist/bench/bare.js   → "bare listening on http://127.0.0.1:PORT" on stderr
 */
import Hapi from '@hapi/hapi';

async function main(): Promise<void> {
  const server = Hapi.server({
    host: process.env.HOST ?? '127.0.0.1',
    port: Number(process.env.PORT ?? 0),
    // The service's own payload limit; the body is parsed as JSON just as the real route's is.
    routes: { payload: { maxBytes: 16 * 1024 } },
  });
  server.route({
    method: 'POST',
    path: '/v1/verify',
    handler: () => ({ valid: true, code: 'VALID' }),
  });
  await server.start();
  process.stderr.write(`bare listening on ${server.info.uri}\n`);
  const stop = (): void => {
    void server.stop({ timeout: 1_000 }).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare server failed: ${String(err)}\n`);
  process.exit(1);
});
