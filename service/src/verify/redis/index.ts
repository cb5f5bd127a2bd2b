/** Shared state through Redis, for several instances behind a load balancer. */
export { closeRedis, connectRedis, COMMAND_TIMEOUT_MS, isCluster, parseRedisUrl, type RedisClient, type RedisTarget } from './connection';
export { RedisFailureTracker, type RedisFailureTrackerOptions } from './failureTracker';
export { RedisHealth } from './health';
export { INVALIDATION_CHANNEL, RedisInvalidationBus, type RedisInvalidationBusOptions } from './invalidationBus';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rateLimiter';
