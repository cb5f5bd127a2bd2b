import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceProcess } from '../helpers/processes';

/** `keysmith serve` on an empty embedded database: the root key, then the console's first-owner setup link. */
describe('keysmith serve: first start prints a setup link for the first console owner', function () {
  this.timeout(60_000);
  let dataDir: string;
  let service: ServiceProcess;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keysmith-first-start-'));
    service = await ServiceProcess.start('first-start', {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      KEYSMITH_DATA_DIR: dataDir,
      KEYSMITH_LOG_LEVEL: 'info',
      KEYSMITH_BCRYPT_COST: '10',
    });
    for (let i = 0; i < 100 && !/setup\?token=/.test(service.stderr); i++) await sleep(50);
  });
  after(async () => {
    await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the link after the root key; it creates the owner once, with a cookie that is not Secure on loopback http', async () => {
    const port = new URL(service.url).port;
    const link = new RegExp(`Create the first console owner \\(link valid 24 hours, once\\): http://127\\.0\\.0\\.1:${port}/console/setup\\?token=([0-9A-Za-z]{32})`).exec(service.stderr);
    expect(link, service.stderr).not.to.equal(null);
    expect(service.stderr.indexOf('KEYSMITH_ROOT_KEY=')).to.be.lessThan(service.stderr.indexOf('/console/setup'));
    const token = link![1]!;
    expect(await (await fetch(`${service.url}/v1/auth/setup?token=${token}`)).json()).to.deep.include({ valid: true });
    const body = JSON.stringify({ token, email: 'first@example.test', name: 'First', password: 'first owner password' });
    const setup = await fetch(`${service.url}/v1/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(setup.status).to.equal(201);
    const cookie = setup.headers.get('set-cookie')!;
    expect(cookie).to.match(/^keysmith_session=\w+; .*HttpOnly/).and.not.match(/Secure/);
    const session = await fetch(`${service.url}/v1/auth/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(((await session.json()) as { role: string }).role).to.equal('owner');
    const again = await fetch(`${service.url}/v1/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(again.status).to.equal(404);
    expect(service.stdout, 'the JSON log').not.to.include(token);
    expect(service.stdout).not.to.include(cookie.split(';')[0]!.split('=')[1]!);
  });
});
