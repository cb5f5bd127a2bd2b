import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { loadPeppers } from '../src/pepperFile';

describe('starting the service (configuration, pepper, migrations)', () => {
  let dataDir: string;
  const logger = createLogger('silent');
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keysmith-app-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the variable and the expected form of a bad setting', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT must be a number/);
    expect(() => loadConfig({ KEYSMITH_DATABASE_URL: 'postgres://x' })).to.throw(ConfigError, /mysql:\/\/user:password@host:port\/database/);
    expect(() => loadConfig({ KEYSMITH_BOOTSTRAP_WORKSPACE: 'Has_Underscore' })).to.throw(ConfigError, /KEYSMITH_BOOTSTRAP_WORKSPACE/);
    expect(loadConfig({}).database.dialect).to.equal('sqlite');
  });

  it('requires KEYSMITH_PEPPER with MySQL, and rejects a malformed one as a configuration error', () => {
    const mysql = loadConfig({ KEYSMITH_DATABASE_URL: 'mysql://root@127.0.0.1/test', KEYSMITH_DATA_DIR: dataDir });
    expect(() => loadPeppers(mysql)).to.throw(ConfigError, /KEYSMITH_PEPPER is required/);
    expect(() => loadPeppers({ ...mysql, pepperText: 'v1:short' })).to.throw(ConfigError, /KEYSMITH_PEPPER: .*entry 1/);
  });

  it('refuses to start when the pepper file is gone but the database holds hashes, and leaves no new pepper behind', async () => {
    const config = loadConfig({ KEYSMITH_DATA_DIR: dataDir });
    const app = await openApp(config, { logger });
    await app.services.rootKeys.bootstrap({ workspaceSlug: 'acme', rootKeyName: 'x' }, { type: 'system', id: 'test' });
    await app.close();
    rmSync(join(dataDir, 'pepper'));
    const err = await openApp(config, { logger }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/restore that file from your backup, or set KEYSMITH_PEPPER/);
    expect(existsSync(join(dataDir, 'pepper'))).to.equal(false);
  });

  it('with auto-migration off, refuses a database with pending migrations and says what to run', async () => {
    const config = loadConfig({ KEYSMITH_DATA_DIR: dataDir, KEYSMITH_AUTO_MIGRATE: '0' });
    const err = await openApp(config, { logger }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/[1-9]\d* pending migration.*keysmith migrate/);
    expect(existsSync(join(dataDir, 'pepper')), 'a failed first start leaves no pepper to be mistaken for the real one').to.equal(false);
  });
});
