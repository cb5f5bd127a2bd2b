import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess, SlowRequest, sleep } from '../helpers/processes';


/**
 * `keysmith serve` as a process, stopped with SIGTERM while requests are in flight: each is answered in
 * full, on the verify lane and through hapi's router alike, and the process exits 0.
 */
describe('keysmith serve: SIGTERM with requests in flight', function () {
  this.timeout(60_000);
  let dataDir: string;
  let service: ServiceProcess;
  let rootKey: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keysmith-shutdown-'));
    service = await ServiceProcess.start('shutdown', {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      KEYSMITH_DATA_DIR: dataDir,
      KEYSMITH_LOG_LEVEL: 'info',
      KEYSMITH_REQUEST_TIMEOUT_MS: '5000',
      KEYSMITH_HEADERS_TIMEOUT_MS: '2000',
    });
    for (let i = 0; i < 100 && !/KEYSMITH_ROOT_KEY=/.test(service.stderr); i++) await sleep(50);
    rootKey = /KEYSMITH_ROOT_KEY=(\S+)/.exec(service.stderr)![1]!;
  });
  after(async () => {
    await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes a connection that sends nothing after KEYSMITH_HEADERS_TIMEOUT_MS, with a 408', async () => {
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const closed = await Promise.race([new Promise<boolean>((done) => socket.on('close', () => done(true))), sleep(8000).then(() => false)]);
    socket.destroy();
    expect(closed, 'closed by the service').to.equal(true);
    expect(text).to.match(/^HTTP\/1\.1 408 /);
  });

  it('finishes a slow lane request and a slow router request that were in flight, then exits 0', async () => {
    const created = await fetch(`${service.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rootKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shutdown' }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const body = JSON.stringify({ key: secret });
    const port = Number(new URL(service.url).port);
    const half = Math.floor(body.length / 2);
    const requests = ['/v1/verify', '/v1/verify?x=1'].map(
      (path) =>
        new SlowRequest(
          port,
          `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${rootKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
        ),
    );
    await sleep(200);
    const exited = service.stop('SIGTERM');
    // hapi's stop used to end the lane's connection within milliseconds of the signal.
    await sleep(500);
    for (const request of requests) request.finish(body.slice(half));
    const answers = await Promise.all(requests.map((request) => request.done));
    for (const answer of answers) {
      expect(answer, answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).to.match(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code).to.equal('VALID');
    }
    expect(await exited, service.diagnostics()).to.equal(0);
    expect(service.logs().map((line) => line.msg)).to.include('stopped');
  });
});
