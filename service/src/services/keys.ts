import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../domain/errors';
import { canonicalJson } from '../domain/canonical';
import { newId } from '../domain/ids';
import { keyStatus, toApiKey } from '../domain/keys';
import {
  MAX_OVERLAP_SECONDS,
  SECRET_ENV,
  type ApiKey,
  type Caller,
  type Environment,
  type StoredApiKey,
  type StoredKeyState,
  type Workspace,
} from '../domain/model';
import type { PepperRing } from '../domain/pepper';
import { sealSecret } from '../domain/sealing';
import { generateSecret, maskSecret } from '../domain/secrets';
import { countActiveKeys, findKey, insertKey, keyHasHistory, markKeyDeleted, updateKey } from '../repositories/apiKeys';
import { findIdempotencyRecord, insertIdempotencyRecord, purgeIdempotencyRecords } from '../repositories/idempotency';
import { deleteSecretsOfKey, endSecrets, insertSecret } from '../repositories/keySecrets';
import { findPolicy } from '../repositories/quotaPolicies';
import { findWorkspace } from '../repositories/workspaces';
import type { Publish } from '../verify/ports';
import { recordChange } from './audit';
import { IDEMPOTENCY_WINDOW_MS, hashRequest, replayedSecret } from './idempotentReplay';

/** The editable settings of a key. Absent = keep (on update) or default (on create); null = clear. */
export type KeySettings = Pick<
  ApiKey,
  'name' | 'tags' | 'group' | 'scopes' | 'resources' | 'ipAllowlist' | 'expiresAt' | 'rateLimit' | 'quota' | 'credits' | 'quotaPolicyId' | 'metadata'
>;

export type CreateKeyInput = Partial<KeySettings> & { name: string; environment?: Environment };
export type UpdateKeyInput = Partial<KeySettings>;

export interface IssuedSecret {
  key: ApiKey;
  /** The only time the secret is shown. */
  secret: string;
}

export type BulkAction = 'disable' | 'enable' | 'revoke' | 'delete';

export type BulkResult =
  | { id: string; ok: true; status: ApiKey['status'] | 'deleted' }
  | { id: string; ok: false; error: { code: string; message: string } };

export interface KeyServiceDeps {
  db: Database;
  clock: Clock;
  peppers: PepperRing;
  /** Told about every committed change, so verification caches drop the key. */
  publish?: Publish;
}

/** The key lifecycle: create, edit, disable/enable, revoke, rotate, delete. Every change is audited in its transaction. */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  /**
   * Creates a key and its first secret. With an Idempotency-Key, the same key and body within 24 h return
   * the first call's key and secret instead of creating another; the same key with another body is a conflict.
   */
  async create(caller: Caller, input: CreateKeyInput, idempotencyKey?: string): Promise<IssuedSecret & { replayed: boolean }> {
    if (idempotencyKey) {
      // Housekeeping in its own statement: inside the create transaction its range locks made concurrent
      // creates of different workspaces deadlock on MySQL. Expired records are never replayed anyway.
      await purgeIdempotencyRecords(this.deps.db.knex, this.idempotencyCutoff());
    }
    return this.deps.db.transaction((tx) => this.createIn(tx, caller, input, idempotencyKey));
  }

  private idempotencyCutoff(): Date {
    return new Date(this.deps.clock.now().getTime() - IDEMPOTENCY_WINDOW_MS);
  }

  private async createIn(
    tx: Knex.Transaction,
    caller: Caller,
    input: CreateKeyInput,
    idempotencyKey: string | undefined,
  ): Promise<IssuedSecret & { replayed: boolean }> {
    const { clock, peppers } = this.deps;
    const now = clock.now();
    // Creates of one workspace queue behind this lock, so the Idempotency-Key lookup below cannot race.
    const workspace = await this.lockWorkspace(tx, caller.workspaceId);
    const idempotencyMaterial = `idempotency:${caller.workspaceId}:${idempotencyKey}`;
    const requestHash = hashRequest(input);
    if (idempotencyKey) {
      // Every pepper version: a record made before a pepper rotation still replays.
      const previous = await findIdempotencyRecord(tx, caller.workspaceId, peppers.candidateHashes(idempotencyMaterial), this.idempotencyCutoff());
      if (previous) return this.replay(tx, caller, previous, requestHash, idempotencyKey);
    }
    await this.assertPolicyExists(tx, caller.workspaceId, input.quotaPolicyId);
    await this.assertRoomForActiveKey(tx, workspace);

    const environment = input.environment ?? 'production';
    const secret = generateSecret(workspace.slug, SECRET_ENV[environment]);
    const key: StoredApiKey = {
      id: newId('key'),
      workspaceId: caller.workspaceId,
      name: input.name,
      environment,
      tags: normaliseTags(input.tags ?? []),
      group: input.group ?? 'default',
      scopes: input.scopes ?? [],
      resources: input.resources ?? [],
      ipAllowlist: input.ipAllowlist ?? [],
      expiresAt: input.expiresAt ?? null,
      rateLimit: input.rateLimit ?? null,
      quota: input.quota ?? null,
      credits: input.credits ?? null,
      quotaPolicyId: input.quotaPolicyId ?? null,
      metadata: input.metadata ?? null,
      state: 'active',
      start: maskSecret(secret),
      createdAt: now,
      createdBy: `${caller.actor.type}:${caller.actor.id}`,
      updatedAt: now,
      lastUsedAt: null,
      lastRotatedAt: null,
      usageCount: 0,
      version: 1,
    };
    if (idempotencyKey) {
      await insertIdempotencyRecord(tx, {
        workspaceId: caller.workspaceId,
        idempotencyKeyHash: peppers.digest(idempotencyMaterial).hash,
        requestHash,
        keyId: key.id,
        sealedSecret: sealSecret(peppers, idempotencyKey, secret),
        createdAt: now,
      });
    }
    await insertKey(tx, key);
    await insertSecret(tx, { keyId: key.id, ...peppers.digest(secret), start: key.start, createdAt: now });
    const created = toApiKey(key, now);
    await recordChange(tx, clock, caller, { action: 'key.created', targetType: 'key', targetId: key.id, keyId: key.id, before: null, after: created });
    return { key: created, secret, replayed: false };
  }

  private async replay(
    tx: Knex.Transaction,
    caller: Caller,
    previous: { requestHash: string; keyId: string; sealedSecret: string; createdAt: Date },
    requestHash: string,
    idempotencyKey: string,
  ): Promise<IssuedSecret & { replayed: boolean }> {
    const key = await findKey(tx, caller.workspaceId, previous.keyId);
    const secret = replayedSecret(
      this.deps.peppers,
      previous,
      { hash: requestHash, idempotencyKey },
      () => key !== null && !(key.lastRotatedAt && key.lastRotatedAt.getTime() > previous.createdAt.getTime()),
      `this Idempotency-Key created key ${previous.keyId}, whose first secret can no longer be shown (deleted or rotated since)`,
    );
    // replayedSecret refused a key that is gone.
    return { key: toApiKey(key!, this.deps.clock.now()), secret, replayed: true };
  }

  /** Applies a partial edit. `expectedVersion` (from If-Match) must be the key's current version. */
  async update(caller: Caller, id: string, patch: UpdateKeyInput, expectedVersion?: number): Promise<ApiKey> {
    return this.change(caller, id, 'key.updated', expectedVersion, async (tx, key) => {
      await this.assertPolicyExists(tx, caller.workspaceId, patch.quotaPolicyId);
      const next: StoredApiKey = { ...key, ...patch };
      if (patch.tags) next.tags = normaliseTags(patch.tags);
      return next;
    });
  }

  disable(caller: Caller, id: string): Promise<ApiKey> {
    return this.setState(caller, id, 'disabled');
  }

  enable(caller: Caller, id: string): Promise<ApiKey> {
    return this.setState(caller, id, 'active');
  }

  /** Permanent: a revoked key can be neither enabled nor rotated. */
  revoke(caller: Caller, id: string): Promise<ApiKey> {
    return this.setState(caller, id, 'revoked');
  }

  private setState(caller: Caller, id: string, state: StoredKeyState): Promise<ApiKey> {
    const action = { active: 'key.enabled', disabled: 'key.disabled', revoked: 'key.revoked' }[state];
    return this.change(caller, id, action, undefined, async (_tx, key) => {
      if (key.state === state) return key;
      if (key.state === 'revoked') throw revokedConflict(id);
      return { ...key, state };
    });
  }

  /**
   * Issues a new secret for the same key. The previous secret stays valid for `overlapSeconds` (0 = ends
   * now), so clients can switch without downtime. With an Idempotency-Key, a repeat of the same call
   * within 24 h returns the secret this call issued instead of rotating again (a retried rotate must not
   * leave a secret nobody received), as long as the key has not been rotated since.
   */
  async rotate(caller: Caller, id: string, overlapSeconds: number, idempotencyKey?: string): Promise<IssuedSecret & { replayed: boolean }> {
    if (!Number.isSafeInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
      throw ValidationError.forField('overlapSeconds', `must be a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}, got ${overlapSeconds}`);
    }
    const { peppers } = this.deps;
    if (idempotencyKey) await purgeIdempotencyRecords(this.deps.db.knex, this.idempotencyCutoff());
    const idempotencyMaterial = `idempotency:${caller.workspaceId}:${idempotencyKey}`;
    const requestHash = hashRequest({ rotate: id, overlapSeconds });
    let secret = '';
    let replayed = false;
    const key = await this.change(caller, id, 'key.rotated', undefined, async (tx, current, workspace) => {
      if (idempotencyKey) {
        // Under the key's lock: a concurrent repeat waits for this one and then replays it.
        const previous = await findIdempotencyRecord(tx, caller.workspaceId, peppers.candidateHashes(idempotencyMaterial), this.idempotencyCutoff());
        if (previous) {
          // Still the key's newest secret: same start, and the rotation this record was written with.
          secret = replayedSecret(
            peppers,
            previous,
            { hash: requestHash, idempotencyKey },
            (shown) => current.start === maskSecret(shown) && current.lastRotatedAt?.getTime() === previous.createdAt.getTime(),
            `this Idempotency-Key rotated key ${id}, which has been rotated again since; that secret can no longer be shown`,
          );
          replayed = true;
          return current;
        }
      }
      if (current.state === 'revoked') throw revokedConflict(id);
      const now = this.deps.clock.now();
      secret = generateSecret(workspace.slug, SECRET_ENV[current.environment]);
      await endSecrets(tx, id, new Date(now.getTime() + overlapSeconds * 1000), now);
      const start = maskSecret(secret);
      await insertSecret(tx, { keyId: id, ...peppers.digest(secret), start, createdAt: now });
      if (idempotencyKey) {
        await insertIdempotencyRecord(tx, {
          workspaceId: caller.workspaceId,
          idempotencyKeyHash: peppers.digest(idempotencyMaterial).hash,
          requestHash,
          keyId: id,
          sealedSecret: sealSecret(peppers, idempotencyKey, secret),
          createdAt: now,
        });
      }
      return { ...current, start, lastRotatedAt: now };
    });
    return { key, secret, replayed };
  }

  /** Only a key that was never used can be deleted; one with history must be disabled or revoked. */
  async delete(caller: Caller, id: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await this.lockWorkspace(tx, caller.workspaceId);
      const key = await this.lockKey(tx, caller.workspaceId, id);
      if (await keyHasHistory(tx, id)) {
        throw new ConflictError(
          'KEY_HAS_HISTORY',
          `key ${id} has been used (${key.usageCount} verifications) and keeps its history: disable or revoke it instead`,
        );
      }
      const now = this.deps.clock.now();
      await deleteSecretsOfKey(tx, id);
      await markKeyDeleted(tx, caller.workspaceId, id, now);
      await recordChange(tx, this.deps.clock, caller, {
        action: 'key.deleted',
        targetType: 'key',
        targetId: id,
        keyId: id,
        before: toApiKey(key, now),
        after: null,
      });
    });
    this.deps.publish?.({ kind: 'key', id });
  }

  /** Applies one action to many keys, each in its own transaction; one failure does not stop the rest. */
  async bulk(caller: Caller, action: BulkAction, ids: string[], onProgress?: (done: number, result: BulkResult) => void): Promise<BulkResult[]> {
    const results: BulkResult[] = [];
    for (const id of ids) {
      let result: BulkResult;
      try {
        if (action === 'delete') {
          await this.delete(caller, id);
          result = { id, ok: true, status: 'deleted' };
        } else {
          result = { id, ok: true, status: (await this[action](caller, id)).status };
        }
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
        result = { id, ok: false, error: { code: err.code, message: err.message } };
      }
      results.push(result);
      onProgress?.(results.length, result);
    }
    return results;
  }

  /**
   * The shape every single-key change shares: lock the workspace, then the key (always in that order, as
   * create does, so changes cannot deadlock), check the expected version, let `mutate` produce the next
   * state, check maxActiveKeys when the change makes the key active (enable, or an edit of an expired
   * key's expiresAt), write it with a new version, and audit before/after in the same transaction.
   * A `mutate` that returns the key unchanged is a no-op: nothing is written.
   */
  private async change(
    caller: Caller,
    id: string,
    action: string,
    expectedVersion: number | undefined,
    mutate: (tx: Knex.Transaction, key: StoredApiKey, workspace: Workspace) => Promise<StoredApiKey>,
  ): Promise<ApiKey> {
    const { db, clock } = this.deps;
    const changed = await db.transaction(async (tx) => {
      const workspace = await this.lockWorkspace(tx, caller.workspaceId);
      const key = await this.lockKey(tx, caller.workspaceId, id);
      if (expectedVersion !== undefined && key.version !== expectedVersion) {
        throw new PreconditionFailedError(`key ${id}`, expectedVersion, key.version);
      }
      const mutated = await mutate(tx, key, workspace);
      const now = clock.now();
      if (sameSettings(mutated, key)) return toApiKey(key, now);
      if (keyStatus(key, now) !== 'active' && keyStatus(mutated, now) === 'active') await this.assertRoomForActiveKey(tx, workspace);
      const next: StoredApiKey = { ...mutated, version: key.version + 1, updatedAt: now };
      await updateKey(tx, next, key.tags);
      const after = toApiKey(next, now);
      await recordChange(tx, clock, caller, { action, targetType: 'key', targetId: id, keyId: id, before: toApiKey(key, now), after });
      return after;
    });
    this.deps.publish?.({ kind: 'key', id });
    return changed;
  }

  private async lockKey(tx: Knex.Transaction, workspaceId: string, id: string): Promise<StoredApiKey> {
    const key = await findKey(tx, workspaceId, id, { forUpdate: true });
    if (!key) throw new NotFoundError('key', id);
    return key;
  }

  /**
   * Locks the workspace row. Every change locks it first (creates, edits, deletes, policies), which keeps
   * maxActiveKeys exact and gives all transactions one lock order, so they queue instead of deadlocking.
   */
  private async lockWorkspace(tx: Knex.Transaction, workspaceId: string): Promise<Workspace> {
    const workspace = await findWorkspace(tx, workspaceId, { forUpdate: true });
    if (!workspace) throw new NotFoundError('workspace', workspaceId);
    return workspace;
  }

  private async assertRoomForActiveKey(tx: Knex.Transaction, workspace: Workspace): Promise<void> {
    if (workspace.maxActiveKeys === null) return;
    const active = await countActiveKeys(tx, workspace.id, this.deps.clock.now());
    if (active >= workspace.maxActiveKeys) {
      throw new ConflictError(
        'MAX_ACTIVE_KEYS',
        `workspace ${workspace.slug} allows ${workspace.maxActiveKeys} active keys and has ${active}: disable, revoke or delete one first`,
      );
    }
  }

  private async assertPolicyExists(tx: Knex.Transaction, workspaceId: string, policyId: string | null | undefined): Promise<void> {
    // Locked: a concurrent delete of the policy waits, then sees this key and refuses (409), never a 500.
    if (policyId && !(await findPolicy(tx, workspaceId, policyId, { forUpdate: true }))) {
      throw ValidationError.forField('quotaPolicyId', `no quota policy with id ${policyId} in this workspace`);
    }
  }
}

const revokedConflict = (id: string): ConflictError =>
  new ConflictError('KEY_REVOKED', `key ${id} is revoked; revocation is permanent (create a new key instead)`);

function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags)].sort();
}

/** Whether two stored keys differ in anything a change can touch (version, timestamps and key order aside). */
function sameSettings(a: StoredApiKey, b: StoredApiKey): boolean {
  const { version: _va, updatedAt: _ua, ...restA } = a;
  const { version: _vb, updatedAt: _ub, ...restB } = b;
  return canonicalJson(restA) === canonicalJson(restB);
}

/** A stable digest of a create body: key order does not matter, values do. */
