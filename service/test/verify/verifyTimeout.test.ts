import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { DbHealth } from '../../src/verify/dbHealth';
import { DeadlineExceeded } from '../../src/verify/deadline';

describe('the verification timeout', () => {
  it('KEYSMITH_VERIFY_TIMEOUT_MS defaults to 1000 ms and is validated at start, naming the variable', () => {
    expect(loadConfig({}).verifyTimeoutMs).to.equal(1000);
    expect(loadConfig({ KEYSMITH_VERIFY_TIMEOUT_MS: '250' }).verifyTimeoutMs).to.equal(250);
    for (const bad of ['0', '1.5', 'soon', '60000']) {
      expect(() => loadConfig({ KEYSMITH_VERIFY_TIMEOUT_MS: bad }), bad).to.throw(ConfigError, /KEYSMITH_VERIFY_TIMEOUT_MS/);
    }
  });

  describe('a verification that runs out of time', () => {
    const healthOver = (answeredMeanwhile: boolean): DbHealth => {
      const db = { answeredSince: () => answeredMeanwhile, ping: async () => false } as unknown as Database;
      return new DbHealth(db, createLogger('silent'), 60_000);
    };

    it('marks the database down when it answered nothing meanwhile (it is not there)', () => {
      const health = healthOver(false);
      health.reportFailure(new DeadlineExceeded(1000, performance.now() - 1000));
      expect(health.healthy).to.equal(false);
      health.stop();
    });

    it('does not when it kept answering others (it is busy: a burst queueing for one key)', () => {
      const health = healthOver(true);
      health.reportFailure(new DeadlineExceeded(1000, performance.now() - 1000));
      expect(health.healthy).to.equal(true);
      health.reportFailure(Object.assign(new Error('connection lost'), { code: 'ECONNRESET' }));
      expect(health.healthy, 'a failed call still does').to.equal(false);
      health.stop();
    });
  });
});
