import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';
import { parseRedisUrl } from '../../src/verify/redis/connection';

describe('KEYSMITH_REDIS_URL: one Redis or a Redis Cluster', () => {
  it('takes one redis:// or rediss:// URL as one Redis, unchanged', () => {
    expect(loadConfig({ KEYSMITH_REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).to.equal('redis://127.0.0.1:6379');
    expect(parseRedisUrl('rediss://u:p@redis.internal:6380/0')).to.deep.equal({ kind: 'single', url: 'rediss://u:p@redis.internal:6380/0' });
    expect(loadConfig({ KEYSMITH_REDIS_URL: '' }).redisUrl).to.equal(null);
  });

  it('takes several comma-separated URLs, or redis+cluster:// with host:port pairs, as the seed nodes of a cluster', () => {
    const nodes = [
      { host: 'r1', port: 7000 },
      { host: 'r2', port: 6379 },
    ];
    expect(parseRedisUrl('redis://r1:7000, redis://r2')).to.deep.equal({ kind: 'cluster', nodes, tls: false });
    expect(parseRedisUrl('redis+cluster://user:s%40cret@r1:7000,r2')).to.deep.equal({ kind: 'cluster', nodes, username: 'user', password: 's@cret', tls: false });
    expect(parseRedisUrl('rediss+cluster://r1:7000,r2:6379')).to.deep.include({ kind: 'cluster', tls: true });
    expect(parseRedisUrl('redis+cluster://r1:7000')).to.deep.include({ kind: 'cluster', nodes: [{ host: 'r1', port: 7000 }] });
  });

  it('refuses what is neither, naming the variable and what is wrong', () => {
    const refused = (url: string) => () => loadConfig({ KEYSMITH_REDIS_URL: url });
    expect(refused('http://r1:6379')).to.throw(ConfigError, /KEYSMITH_REDIS_URL must be a redis:\/\/, rediss:\/\/ or redis\+cluster:\/\/ URL/);
    expect(refused('r1:6379')).to.throw(ConfigError, /KEYSMITH_REDIS_URL must be/);
    expect(refused('redis://r1:6379,r2:6379')).to.throw(ConfigError, /KEYSMITH_REDIS_URL lists a node that is not a redis:\/\/ URL/);
    expect(refused('redis://r1:6379,rediss://r2:6379')).to.throw(ConfigError, /KEYSMITH_REDIS_URL lists a node that is not a redis:\/\/ URL/);
    expect(refused('redis+cluster://r1:6379,redis://r2:6379')).to.throw(ConfigError, /KEYSMITH_REDIS_URL lists a node with a scheme/);
    expect(refused('redis://r1:6379,,redis://r2')).to.throw(ConfigError, /KEYSMITH_REDIS_URL has an empty node/);
  });
});
