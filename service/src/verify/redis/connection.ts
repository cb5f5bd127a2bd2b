import { Cluster, Redis } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster; the service uses both alike. */
export type RedisClient = Redis | Cluster;

/**
 * How long one Redis call may take before the caller answers without it. Generous on purpose: a call that
 * timed out may still have been counted by Redis, so a short timeout under load double-counts requests.
 */
export const COMMAND_TIMEOUT_MS = 1000;
/** The longest wait between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Where `KEYSMITH_REDIS_URL` points: one Redis, or the seed nodes of a cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

const CLUSTER_SCHEMES = new Set(['redis+cluster:', 'rediss+cluster:']);

/**
 * Reads a Redis URL: `redis://h:p` (or `rediss://`) is one Redis; several comma-separated URLs
 * (`redis://h1:p1,redis://h2:p2`) or `redis+cluster://h1:p1,h2:p2` (`rediss+cluster://` for TLS) are seed
 * nodes of a Redis Cluster. Credentials come from the first node. Throws a message saying what is wrong.
 */
export function parseRedisUrl(raw: string): RedisTarget {
  const text = raw.trim();
  const scheme = /^([a-z+]+:)\/\//.exec(text)?.[1];
  if (!scheme) throw new Error('must be a redis://, rediss:// or redis+cluster:// URL');
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) throw new Error('has an empty node between commas');
  const cluster = CLUSTER_SCHEMES.has(scheme);
  if (!cluster && scheme !== 'redis:' && scheme !== 'rediss:') throw new Error('must be a redis://, rediss:// or redis+cluster:// URL');
  if (!cluster && parts.length === 1) {
    parseNode(text, scheme);
    return { kind: 'single', url: text };
  }
  // `redis+cluster://a:1,b:2`: the nodes after the first have no scheme. `redis://a:1,redis://b:2`: each has one.
  const urls = parts.map((part, i) => {
    if (i === 0) return part;
    if (cluster) {
      if (/^[a-z+]+:\/\//.test(part)) throw new Error('lists a node with a scheme after redis+cluster:// (write host:port)');
      return `${scheme}//${part}`;
    }
    if (!part.startsWith(`${scheme}//`)) throw new Error(`lists a node that is not a ${scheme}// URL`);
    return part;
  });
  const parsed = urls.map((url) => parseNode(url, scheme));
  const first = parsed[0]!;
  return {
    kind: 'cluster',
    nodes: parsed.map(({ host, port }) => ({ host, port })),
    ...(first.username ? { username: first.username } : {}),
    ...(first.password ? { password: first.password } : {}),
    tls: scheme.startsWith('rediss'),
  };
}

function parseNode(url: string, scheme: string): { host: string; port: number; username: string; password: string } {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(scheme, 'redis:'));
  } catch {
    throw new Error(`has a node that is not a URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  if (!parsed.hostname) throw new Error('has a node without a host');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/**
 * A connection for the hot path: it connects in the background (so startup never waits for Redis), fails a
 * call at once while disconnected instead of queueing it, gives up on a call after `COMMAND_TIMEOUT_MS`,
 * and keeps reconnecting forever with a capped backoff. Subscriptions are not restored by ioredis:
 * `RedisInvalidationBus` resubscribes itself, because it must know when it did. A cluster URL gives a
 * `Cluster` client with the same behaviour, which follows slot moves and refreshes its slot map.
 */
export function connectRedis(url: string, role: string): RedisClient {
  const target = parseRedisUrl(url);
  const nodeOptions = {
    connectionName: `keysmith-${role}`,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    autoResubscribe: false,
  };
  const retry = (attempt: number): number => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
  if (target.kind === 'single') return new Redis(target.url, { ...nodeOptions, enableOfflineQueue: false, retryStrategy: retry });
  return new Cluster(target.nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: retry,
    // A call to a slot whose master is gone is retried a few times, briefly, then answered locally.
    maxRedirections: 3,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
    redisOptions: {
      ...nodeOptions,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

/** Whether `client` talks to a Redis Cluster (keys of one script must then share a hash tag). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Closes `client` whatever its state: politely when connected, at once (no more retries) when not. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
