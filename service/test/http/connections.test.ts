import type { Server } from '@hapi/hapi';
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { answersIn, rawExchange } from '../helpers/raw';
import { ConfigError, loadConfig } from '../../src/config';
import { createServer, type ServerOptions } from '../../src/http/server';
import { Harness } from '../helpers/harness';

const PATHS = [
  ['the lane', '/v1/verify'],
  ['hapi\'s router', '/v1/verify?x=1'],
] as const;

describe('HTTP connections: what the listener does below the lane and the router', () => {
  let h: Harness;
  let secret: string;
  const servers: Server[] = [];

  async function serverWith(options: ServerOptions = {}): Promise<number> {
    const server = await createServer(h.app, options);
    await server.start();
    servers.push(server);
    return server.info.port as number;
  }

  before(async () => {
    h = await Harness.start('sqlite');
    secret = (await h.createKey({ rateLimit: { limit: 1000, windowSeconds: 60 } })).secret;
  });
  after(async () => {
    for (const server of servers) await server.stop({ timeout: 100 });
    await h.stop();
  });

  const head = (path: string, extra: string): string =>
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${h.tenants.acme.rootKey}\r\nContent-Type: application/json\r\n${extra}\r\n`;

  it('reads its limits from the environment, refusing a headers timeout longer than the request timeout', () => {
    const config = loadConfig({ KEYSMITH_HEADERS_TIMEOUT_MS: '2000', KEYSMITH_REQUEST_TIMEOUT_MS: '3000', KEYSMITH_MAX_CONNECTIONS: '50' });
    expect(config.connectionLimits).to.deep.equal({ headersTimeoutMs: 2000, requestTimeoutMs: 3000, maxConnections: 50 });
    expect(loadConfig({}).connectionLimits).to.deep.equal({ headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, maxConnections: 10_000 });
    expect(() => loadConfig({ KEYSMITH_HEADERS_TIMEOUT_MS: '5000', KEYSMITH_REQUEST_TIMEOUT_MS: '3000' })).to.throw(ConfigError, /KEYSMITH_HEADERS_TIMEOUT_MS must not be more than KEYSMITH_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ KEYSMITH_MAX_CONNECTIONS: '0' })).to.throw(ConfigError, /KEYSMITH_MAX_CONNECTIONS/);
  });

  describe('bytes that are not HTTP after a request, on the same connection', () => {
    let port: number;
    before(async () => {
      port = await serverWith();
    });

    for (const [name, path] of PATHS) {
      for (const [what, junk] of [
        ['junk', '{}junk\r\n\r\n'],
        ['a request line that does not parse', 'GET /a b c\r\n\r\n'],
        ['a stray short body', '{"key":1}'],
      ] as const) {
        it(`${name}: ${what} after it does not eat the answer of the request before`, async () => {
          const body = JSON.stringify({ key: secret });
          const seen = await rawExchange(port, [`${head(path, `Content-Length: ${body.length}\r\n`)}${body}${junk}`]);
          const [answer, ...after] = answersIn(seen.text);
          expect(answer, seen.text).to.not.equal(undefined);
          expect(answer!.status, seen.text).to.equal(200);
          expect(JSON.parse(answer!.body).code).to.equal('VALID');
          expect(answer!.headers['x-request-id']).to.match(/^req_/);
          expect(after.map((a) => a.status), 'answers after it').to.deep.equal([400]);
          expect(seen.closedByServer, 'connection closed').to.equal(true);
        });
      }
    }
  });

  describe('a chunked body that breaks off into something that is not a chunk', () => {
    let port: number;
    before(async () => {
      port = await serverWith();
    });

    for (const [name, path] of PATHS) {
      it(`${name}: 400 in the error format with X-Request-Id, and the connection closed`, async () => {
        const seen = await rawExchange(port, [`${head(path, 'Transfer-Encoding: chunked\r\nX-Request-Id: broken-chunk-1\r\n')}5\r\n{"key\r\nzz\r\n`]);
        const answers = answersIn(seen.text);
        expect(answers, seen.text).to.have.length(1);
        const [answer] = answers;
        expect(answer!.status).to.equal(400);
        expect(answer!.headers['x-request-id']).to.equal('broken-chunk-1');
        expect(answer!.headers.connection).to.equal('close');
        const error = JSON.parse(answer!.body).error;
        expect(error).to.deep.equal({ code: 'BAD_REQUEST', message: 'the request is not valid HTTP/1.1 (the body or the next request does not parse)', requestId: 'broken-chunk-1' });
        expect(seen.closedByServer).to.equal(true);
      });
    }
  });

  describe('a client that sends too slowly (timeouts of 300 ms for headers, 600 ms for a whole request)', () => {
    let port: number;
    before(async () => {
      port = await serverWith({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    });

    for (const [name, path] of PATHS) {
      it(`${name}: a body sent a byte at a time gets 408 in the error format, and the connection is closed`, async () => {
        const body = JSON.stringify({ key: secret, endpoint: 'x'.repeat(200) });
        const parts = [head(path, `Content-Length: ${body.length}\r\nX-Request-Id: slow-body-1\r\n`), ...body];
        const seen = await rawExchange(port, parts, { pauseMs: 25, giveUpMs: 5000 });
        expect(seen.closedByServer, `closed by the server\n${seen.text}`).to.equal(true);
        expect(seen.partsWritten, 'parts written before it was closed').to.be.lessThan(parts.length);
        const answers = answersIn(seen.text);
        expect(answers, seen.text).to.have.length(1);
        expect(answers[0]!.status).to.equal(408);
        expect(answers[0]!.headers['x-request-id']).to.equal('slow-body-1');
        expect(JSON.parse(answers[0]!.body).error).to.include({ code: 'TIMEOUT', requestId: 'slow-body-1' });
      });
    }

    for (const [name, path] of PATHS) {
      it(`${name}: a request answered in full, then the next one's headers too slowly: the answer, then a 408`, async () => {
        const body = JSON.stringify({ key: secret });
        const lines = [`${head(path, `Content-Length: ${body.length}\r\n`)}${body}POST ${path} HTTP/1.1\r\n`, ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
        const seen = await rawExchange(port, lines, { pauseMs: 25, giveUpMs: 5000 });
        expect(seen.closedByServer).to.equal(true);
        const answers = answersIn(seen.text);
        expect(answers.map((a) => a.status), seen.text).to.deep.equal([200, 408]);
        expect(JSON.parse(answers[0]!.body).code).to.equal('VALID');
      });
    }

    it('a connection that sends nothing is closed with a 408', async () => {
      const seen = await rawExchange(port, [], { giveUpMs: 5000 });
      expect(seen.closedByServer).to.equal(true);
      expect(answersIn(seen.text).map((a) => a.status)).to.deep.equal([408]);
    });

    it('headers sent a line at a time, never ending, are closed with a 408', async () => {
      const lines = ['POST /v1/verify HTTP/1.1\r\n', ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
      const seen = await rawExchange(port, lines, { pauseMs: 25, giveUpMs: 5000 });
      expect(seen.closedByServer).to.equal(true);
      expect(seen.partsWritten).to.be.lessThan(lines.length);
      expect(answersIn(seen.text).map((a) => a.status)).to.deep.equal([408]);
    });
  });

  describe('stop() with requests in flight (drain timeout 300 ms)', () => {
    it('answers those whose body arrives in time, on both paths, and closes the connections of the rest', async () => {
      const server = await createServer(h.app, { drainTimeoutMs: 300 });
      await server.start();
      const port = server.info.port as number;
      const body = JSON.stringify({ key: secret });
      const first = (path: string): string => `${head(path, `Content-Length: ${body.length}\r\n`)}${body.slice(0, 5)}`;
      const finishing = PATHS.map(([, path]) => rawExchange(port, [first(path), body.slice(5)], { pauseMs: 200, giveUpMs: 5000 }));
      const stuck = PATHS.map(([, path]) => rawExchange(port, [first(path)], { giveUpMs: 5000 }));
      await new Promise((done) => setTimeout(done, 100));
      await server.stop({ timeout: 100 });
      for (const seen of await Promise.all(finishing)) {
        const answers = answersIn(seen.text);
        expect(answers.map((a) => a.status), seen.text).to.deep.equal([200]);
        expect(answers[0]!.headers.connection).to.equal('close');
        expect(JSON.parse(answers[0]!.body).code).to.equal('VALID');
      }
      for (const seen of await Promise.all(stuck)) {
        expect(seen.closedByServer, 'closed by the server').to.equal(true);
        expect(seen.text, 'no answer to a body that never came').to.equal('');
      }
    });
  });

  describe('the connection cap (2 here)', () => {
    let port: number;
    before(async () => {
      port = await serverWith({ limits: { maxConnections: 2 } });
    });

    it('closes a connection beyond the cap at once, and takes new ones when one closes', async () => {
      const open = await Promise.all([openSocket(port), openSocket(port)]);
      try {
        const third = await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'], { giveUpMs: 3000 });
        expect(third.closedByServer, 'the third connection was closed').to.equal(true);
        expect(third.text, 'and got no answer').to.equal('');
      } finally {
        open[0]!.destroy();
      }
      // The server counts the closed connection out once it sees it close: allow it a moment.
      let statuses: number[] = [];
      for (let attempt = 0; attempt < 20 && statuses.length === 0; attempt++) {
        await new Promise((done) => setTimeout(done, 50));
        const next = await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n']);
        statuses = answersIn(next.text).map((a) => a.status);
      }
      expect(statuses).to.deep.equal([200]);
      open[1]!.destroy();
    });
  });
});

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
