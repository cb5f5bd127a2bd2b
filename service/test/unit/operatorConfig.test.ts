import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';

describe('operator settings in the configuration', () => {
  it('defaults to bcrypt cost 12, 30 idle minutes, 12 hours, 10 failures in 15 minutes', () => {
    const config = loadConfig({});
    expect(config.bcryptCost).to.equal(12);
    expect(config.sessions).to.deep.equal({ idleMinutes: 30, maxHours: 12, loginMaxFailures: 10, loginWindowMinutes: 15 });
  });

  it('refuses a bcrypt cost under 10 or over 15, naming the variable', () => {
    expect(() => loadConfig({ KEYSMITH_BCRYPT_COST: '9' })).to.throw(ConfigError, /KEYSMITH_BCRYPT_COST must be greater than or equal to 10/);
    expect(() => loadConfig({ KEYSMITH_BCRYPT_COST: '16' })).to.throw(ConfigError, /KEYSMITH_BCRYPT_COST must be less than or equal to 15/);
    expect(() => loadConfig({ KEYSMITH_SESSION_IDLE_MINUTES: '0' })).to.throw(ConfigError, /KEYSMITH_SESSION_IDLE_MINUTES/);
    expect(loadConfig({ KEYSMITH_BCRYPT_COST: '10', KEYSMITH_SESSION_MAX_HOURS: '2' })).to.deep.include({ bcryptCost: 10 });
  });
});
