import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from '../../src/config';

const MYSQL = { KEYSMITH_DATABASE_URL: 'mysql://root@127.0.0.1:3306/keysmith' };

describe('KEYSMITH_WORKERS in the configuration', () => {
  it('defaults to one process, takes a number, and auto means one worker per core', () => {
    expect(loadConfig({}).workers).to.equal(1);
    expect(loadConfig({ ...MYSQL, KEYSMITH_WORKERS: '4' }).workers).to.equal(4);
    expect(loadConfig({ ...MYSQL, KEYSMITH_WORKERS: 'auto' }).workers).to.equal(availableParallelism());
  });

  it('refuses anything but 1–256 or auto, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', '257', 'all', '']) {
      expect(() => loadConfig({ ...MYSQL, KEYSMITH_WORKERS: bad }), bad).to.throw(ConfigError, /KEYSMITH_WORKERS must be/);
    }
  });

  it('refuses more than one worker on the embedded SQLite database, and says why', () => {
    expect(() => loadConfig({ KEYSMITH_WORKERS: '2' })).to.throw(ConfigError, /KEYSMITH_WORKERS=2 needs KEYSMITH_DATABASE_URL/);
    expect(loadConfig({ KEYSMITH_WORKERS: '1' }).workers).to.equal(1);
  });
});

describe('KEYSMITH_METRICS_PORT in the configuration', () => {
  it('is off unless set, and takes a port (0: any free one)', () => {
    expect(loadConfig({}).metricsPort).to.equal(null);
    expect(loadConfig({ KEYSMITH_METRICS_PORT: '' }).metricsPort).to.equal(null);
    expect(loadConfig({ KEYSMITH_METRICS_PORT: '9464' }).metricsPort).to.equal(9464);
    expect(loadConfig({ KEYSMITH_METRICS_PORT: '0' }).metricsPort).to.equal(0);
  });

  it('refuses what is not a port, and the service port itself, naming the variable', () => {
    for (const bad of ['-1', '65536', '1.5', 'metrics']) expect(() => loadConfig({ KEYSMITH_METRICS_PORT: bad }), bad).to.throw(ConfigError, /KEYSMITH_METRICS_PORT/);
    expect(() => loadConfig({ PORT: '8080', KEYSMITH_METRICS_PORT: '8080' })).to.throw(ConfigError, /KEYSMITH_METRICS_PORT must differ from PORT/);
  });
});
