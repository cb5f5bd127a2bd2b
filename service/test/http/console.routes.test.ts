import type { Server } from '@hapi/hapi';
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createServer } from '../../src/http/server';
import { CONSOLE_CSP, defaultConsoleDir } from '../../src/http/routes/console';
import { Harness } from '../helpers/harness';

/** The console's serving rules, over a small build made here (the real one is the console package's). */
describe('the console at /console/', () => {
  let h: Harness;
  let dir: string;
  let server: Server;
  const INDEX = '<!doctype html><title>Keysmith</title><script type="module" src="/console/assets/index-Ab12Cd34.js"></script>';

  before(async () => {
    h = await Harness.start('sqlite');
    dir = await mkdtemp(join(tmpdir(), 'keysmith-console-'));
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(join(dir, 'dist', 'index.html'), INDEX);
    await writeFile(join(dir, 'dist', 'assets', 'index-Ab12Cd34.js'), 'console.log("console")');
    await writeFile(join(dir, 'dist', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(dir, 'secret.txt'), 'outside the build');
    server = await createServer(h.app, { consoleDir: join(dir, 'dist') });
  });
  after(async () => {
    await server.stop();
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, on: Server = server) => on.inject({ method: 'GET', url });
  const expectSecure = (res: { headers: Record<string, unknown> }, what: string) => {
    expect(res.headers['content-security-policy'], what).to.equal(CONSOLE_CSP);
    expect(res.headers['x-content-type-options'], what).to.equal('nosniff');
    expect(res.headers['referrer-policy'], what).to.equal('no-referrer');
  };

  it('serves index.html at /console/ with no-store and the security headers, without a root key', async () => {
    const res = await get('/console/');
    expect(res.statusCode).to.equal(200);
    expect(res.payload).to.equal(INDEX);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.headers['cache-control']).to.equal('no-store');
    expectSecure(res, 'index');
    expect(CONSOLE_CSP).to.include("frame-ancestors 'none'").and.include("script-src 'self';").and.not.include('unsafe-inline');
  });

  it('redirects /console to /console/, keeping the query', async () => {
    const res = await get('/console');
    expect(res.statusCode).to.equal(302);
    expect(res.headers.location).to.equal('/console/');
    expect((await get('/console?x=1')).headers.location).to.equal('/console/?x=1');
  });

  it('serves hashed assets immutable and other files revalidated', async () => {
    const asset = await get('/console/assets/index-Ab12Cd34.js');
    expect(asset.statusCode).to.equal(200);
    expect(asset.payload).to.equal('console.log("console")');
    expect(asset.headers['content-type']).to.match(/javascript/);
    expect(asset.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    expectSecure(asset, 'asset');
    const icon = await get('/console/favicon.svg');
    expect(icon.statusCode).to.equal(200);
    expect(icon.headers['cache-control']).to.equal('no-cache');
  });

  it("answers index.html for the console's own routes, and 404 for a missing hashed asset", async () => {
    for (const path of ['/console/keys', '/console/keys/key_abc123', '/console/setup?token=abc', '/console/workspace/', '/console/index.html']) {
      const res = await get(path);
      expect(res.statusCode, path).to.equal(200);
      expect(res.payload, path).to.equal(INDEX);
      expect(res.headers['cache-control'], path).to.equal('no-store');
    }
    const missing = await get('/console/assets/index-OLD.js');
    expect(missing.statusCode).to.equal(404);
    expectSecure(missing, 'a 404');
  });

  it('lists no directory and serves nothing outside the build', async () => {
    const listing = await get('/console/assets');
    expect(listing.payload, 'a directory is a client route, not a listing').to.equal(INDEX);
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/console/..%2f..%2fsecret.txt', '/console/..%2fsecret.txt']) {
      const res = await get(path);
      expect(res.payload, path).not.to.include('outside the build');
      expect(res.statusCode, path).to.equal(404);
    }
  });

  it('answers 503 saying to run npm run build when there is no build', async () => {
    const unbuilt = await createServer(h.app, { consoleDir: join(dir, 'nothing-here') });
    for (const path of ['/console/', '/console/keys']) {
      const res = await get(path, unbuilt);
      expect(res.statusCode, path).to.equal(503);
      const body = JSON.parse(res.payload) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('UNAVAILABLE');
      expect(body.error.message).to.include('npm run build');
      expectSecure(res, 'a 503');
    }
    await unbuilt.stop();
  });

  it('finds the build in the repository wherever the process was started', () => {
    // Compiled tests live in service/dist/test/http/: four levels up is the repository.
    expect(realpathSync(dirname(defaultConsoleDir()))).to.equal(realpathSync(resolve(__dirname, '../../../../console')));
  });
});
