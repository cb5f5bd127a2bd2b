import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request as the proxy forwarded it. */
export interface Forwarded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a real service that can lose answers: for the next `n` requests it
 * forwards the request, lets the service act on it, then cuts the caller's connection instead of answering,
 * as a network failure after the request arrived would.
 */
export class LossyProxy {
  readonly forwarded: Forwarded[] = [];
  /** The proxy's own address, once started. */
  baseUrl = '';
  private toLose = 0;
  private readonly server: Server;

  private constructor(upstream: URL) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.forwarded.push({ method: req.method!, url: req.url!, headers: req.headers });
        const lose = this.toLose > 0;
        if (lose) this.toLose--;
        const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (lose) {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode!, answer.headers);
            res.end(Buffer.concat(body));
          });
        });
        out.end(Buffer.concat(chunks));
      });
    });
  }

  static async start(target: string): Promise<LossyProxy> {
    const proxy = new LossyProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.baseUrl = `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}`;
    return proxy;
  }

  /** Loses the answers of the next `n` requests. */
  loseNext(n: number): void {
    this.toLose = n;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
