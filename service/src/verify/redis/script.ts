import type { RedisClient } from './connection';

/** A Lua script bound to a connection: sent by EVALSHA, and by EVAL the first time Redis lacks it. */
export type BoundScript = (keys: string[], args: Array<string | number>) => Promise<unknown>;

type DefinedCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<unknown>;

/** Defines `lua` on `client` under `name` (ioredis caches the SHA per connection). */
export function defineScript(client: RedisClient, name: string, lua: string): BoundScript {
  client.defineCommand(name, { lua });
  const command = (client as unknown as Record<string, DefinedCommand>)[name]!;
  return (keys, args) => command.call(client, keys.length, ...keys, ...args);
}
