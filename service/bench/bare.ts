/**
 * The benchmark's baseline: a bare `node:http` server whose `POST /v1/verify` reads the body and answers a
 * fixed VALID result, with no framework, no parsing and no work. It is the ceiling a Node.js process on
 * this machine can answer at; the service's ratios to it say how much of that ceiling verification keeps.
 * Run as a child process (like the service) so both are measured alike.
 *
 *   PORT=0 node service/dist/bench/bare.js   → "bare listening on http://127.0.0.1:PORT" on stderr
 */
import { createServer } from 'node:http';

const ANSWER = JSON.stringify({ valid: true, code: 'VALID' });
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(ANSWER) };

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, HEADERS);
    res.end(ANSWER);
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stderr.write(`bare listening on http://127.0.0.1:${port}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
