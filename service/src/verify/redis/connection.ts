import { Redis } from 'ioredis';

/**
 * How long one Redis call may take before the caller answers without it. Generous on purpose: a call that
 * timed out may still have been counted by Redis, so a short timeout under load double-counts requests.
 */
export const COMMAND_TIMEOUT_MS = 1000;
/** The longest wait between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * A connection for the hot path: it connects in the background (so startup never waits for Redis), fails a
 * call at once while disconnected instead of queueing it, gives up on a call after `COMMAND_TIMEOUT_MS`,
 * and keeps reconnecting forever with a capped backoff. Subscriptions are not restored by ioredis:
 * `RedisInvalidationBus` resubscribes itself, because it must know when it did.
 */
export function connectRedis(url: string, role: string): Redis {
  return new Redis(url, {
    connectionName: `keysmith-${role}`,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
}

/** Closes `client` whatever its state: politely when connected, at once (no more retries) when not. */
export async function closeRedis(client: Redis): Promise<void> {
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
