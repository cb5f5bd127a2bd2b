import type { Key, Keysmith } from '@keysmith/sdk';
import type { DataSource } from '../framework/resource';
import { computedCopy } from '../framework/schema';
import { apiKeyBlock, keyToModel, type ApiKeyModel } from './apiKeySchema';
import { callOptions, isNotFound, reportFailure } from './common';
import { exactlyOneLookup } from './quotaPolicy';

/** `data "keysmith_api_key"`: one key by `id` or by exact `name`; never its secret. */
export const apiKeyDataSource: DataSource<ApiKeyModel, Keysmith> = {
  typeName: 'keysmith_api_key',
  schema: { version: 0, block: computedCopy(apiKeyBlock, ['id', 'name'], ['secret', 'rotation']) },
  validate: (config, diagnostics) => exactlyOneLookup(config, diagnostics),

  async read(config, ctx) {
    try {
      if (config.id) return keyToModel(await ctx.client.keys.get(config.id, callOptions(ctx)), null, {});
      const matches: Key[] = [];
      for await (const key of ctx.client.keys.list({ q: config.name ?? '' }, callOptions(ctx))) if (key.name === config.name) matches.push(key);
      if (matches.length === 1) return keyToModel(matches[0]!, null, {});
      ctx.diagnostics.error(
        matches.length === 0 ? 'Key not found' : 'Several keys have this name',
        matches.length === 0 ? `No key is named "${config.name}".` : `${matches.length} keys are named "${config.name}"; look the key up by id.`,
        ['name'],
      );
      return null;
    } catch (err) {
      reportFailure(ctx.diagnostics, 'Could not read the key', err, isNotFound(err) ? ['id'] : undefined);
      return null;
    }
  },
};
