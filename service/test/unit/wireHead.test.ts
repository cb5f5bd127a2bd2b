import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { readHead, requestLineOf, type WireHead } from '../../src/http/wire';

const LIMITS = { path: '/v1/verify', maxBodyBytes: 64 * 1024, maxHeadBytes: 16 * 1024 };
const LINE = requestLineOf(LIMITS.path);
const read = (text: string): WireHead => readHead(Buffer.from(text, 'latin1'), LINE, LIMITS);
const request = (headers: string, body = ''): string => `POST /v1/verify HTTP/1.1\r\n${headers}\r\n${body}`;
const plain = 'Host: x\r\nAuthorization: Bearer rk\r\nContent-Type: application/json\r\nContent-Length: 2\r\n';

describe('the wire reader: which request heads it takes, and what it reads in them', () => {
  it('reads a plain verify call: its head, its body length and the three headers the lane uses', () => {
    const text = request(`${plain}X-Request-Id:  call-1 \t\r\n`, '{}');
    const head = read(text);
    expect(head).to.deep.equal({
      kind: 'request',
      headLength: text.length - 2,
      bodyLength: 2,
      close: false,
      head: { authorization: 'Bearer rk', contentType: 'application/json', requestId: 'call-1' },
    });
  });

  it('waits for more at every byte short of the end of the head', () => {
    const text = request(plain, '{}');
    const headEnd = text.indexOf('\r\n\r\n') + 4;
    for (let i = 1; i < headEnd; i++) expect(read(text.slice(0, i)).kind, `after ${i} bytes`).to.equal('more');
    expect(read(text.slice(0, headEnd)).kind).to.equal('request');
  });

  it('takes Connection: close (in any case) and keep-alive, a body-less call, and names in any case', () => {
    expect(read(request(`${plain}Connection: Close\r\n`))).to.include({ close: true });
    expect(read(request(`${plain}connection: keep-alive\r\n`))).to.include({ close: false });
    expect(read(request('HOST: x\r\n'))).to.include({ kind: 'request', bodyLength: 0 });
  });

  const leftToNode: Array<[string, string]> = [
    ['another method', 'GET /v1/verify HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['another path', 'POST /v1/verifyx HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a query string', 'POST /v1/verify?x=1 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['HTTP/1.0', 'POST /v1/verify HTTP/1.0\r\nHost: x\r\n\r\n'],
    ['bytes that are not HTTP', '{}junk\r\n\r\n'],
    ['a chunked body', request('Host: x\r\nTransfer-Encoding: chunked\r\n')],
    ['a compressed body', request('Host: x\r\nContent-Encoding: gzip\r\n')],
    ['Expect: 100-continue', request('Host: x\r\nExpect: 100-continue\r\n')],
    ['Upgrade', request('Host: x\r\nUpgrade: websocket\r\n')],
    ['no Host', request('Content-Length: 0\r\n')],
    ['Content-Length twice', request('Host: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n')],
    ['a Content-Length that is not digits', request('Host: x\r\nContent-Length: +2\r\n')],
    ['a body over the lane\'s limit', request(`Host: x\r\nContent-Length: ${64 * 1024 + 1}\r\n`)],
    ['Authorization twice', request('Host: x\r\nAuthorization: a\r\nAuthorization: b\r\n')],
    ['X-Request-Id twice', request('Host: x\r\nX-Request-Id: a\r\nX-Request-Id: b\r\n')],
    ['another Connection option', request('Host: x\r\nConnection: upgrade\r\n')],
    ['a folded header line', request('Host: x\r\nX-A: 1\r\n 2\r\n')],
    ['a bare LF', request('Host: x\r\nX-A: 1\nX-B: 2\r\n')],
    ['a control character in a value', request('Host: x\r\nX-A: 1\u00002\r\n')],
    ['a blank before the colon', request('Host : x\r\n')],
    ['a head longer than 16 KiB', request(`Host: x\r\nX-A: ${'a'.repeat(16 * 1024)}\r\n`)],
    ['16 KiB without the end of the head', request(`Host: x\r\nX-A: ${'a'.repeat(16 * 1024)}`).slice(0, -2)],
  ];
  for (const [what, text] of leftToNode) {
    it(`leaves to Node's HTTP server: ${what}`, () => {
      expect(read(text).kind).to.equal('other');
    });
  }

  describe('agrees with Node\'s own parser on every head it takes', () => {
    let server: Server;
    let port: number;
    const seen: IncomingMessage[] = [];
    before(async () => {
      server = createServer((req, res) => {
        seen.push(req);
        req.resume();
        req.on('end', () => res.end());
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      port = (server.address() as { port: number }).port;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    /** What Node makes of `text`, sent alone on a connection: its headers, or null when it refuses it. */
    function nodeReads(text: string): Promise<IncomingMessage | null> {
      const before = seen.length;
      return new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
        let answer = '';
        socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(answer.startsWith('HTTP/1.1 200') ? seen[before] ?? null : null));
      });
    }

    const other = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/).filter((n) => !/^(host|content-length|transfer-encoding|content-encoding|expect|upgrade|connection)$/i.test(n));
    const name = fc.oneof(fc.constantFrom('Authorization', 'content-type', 'X-REQUEST-ID'), other);
    const value = fc.stringMatching(/^[\t -~\x80-\xff]{0,40}$/);
    const blanks = fc.constantFrom('', ' ', '  ', '\t', ' \t');
    const header = fc.tuple(name, blanks, value, blanks).map(([n, before, v, after]) => `${n}:${before}${v}${after}\r\n`);

    it('the headers the lane uses and the body length, on 150 generated heads', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(header, { maxLength: 6 }), fc.string({ maxLength: 30 }), fc.boolean(), async (headers, body, close) => {
          const bytes = Buffer.byteLength(body);
          const text = request(`Host: x\r\n${headers.join('')}Content-Length: ${bytes}\r\n${close ? 'Connection: close\r\n' : ''}`) + Buffer.from(body).toString('latin1');
          const ours = read(text);
          if (ours.kind !== 'request') return;
          const node = await nodeReads(text);
          expect(node, `Node refused what the wire reader takes:\n${text}`).to.not.equal(null);
          const one = (n: string): string | undefined => node!.headers[n] as string | undefined;
          expect(ours.head).to.deep.equal({ authorization: one('authorization'), contentType: one('content-type'), requestId: one('x-request-id') });
          expect(ours.bodyLength).to.equal(Number(node!.headers['content-length']));
          expect(ours.headLength + ours.bodyLength).to.equal(text.length);
        }),
        { numRuns: 150 },
      );
    });
  });
});
