import { expect } from 'chai';
import { Harness } from '@keysmith/service/dist/test/helpers/harness';
import type { Dialect } from '@keysmith/service';
import { Keysmith } from '@keysmith/sdk';
import type { AttributePath, Diagnostic, ProviderCore, TfValue } from '../../src/framework/contract';
import { createProvider } from '../../src/provider';
import type { BlockSpec } from '../../src/framework/schema';
import { conform, isObject, type TfObject } from '../../src/framework/values';
import { apiKeyBlock } from '../../src/resources/apiKeySchema';
import { quotaPolicySchema } from '../../src/resources/quotaPolicy';

/** Where the service's test clock starts. */
const TEST_NOW = new Date('2026-06-01T00:00:00Z');

export const BLOCKS: Record<string, BlockSpec> = { keysmith_api_key: apiKeyBlock, keysmith_quota_policy: quotaPolicySchema.block };

/** What {@link proposedNew} needs of a block: our specs and the wire schemas both fit. */
export interface ShapeOfBlock {
  attributes: Readonly<Record<string, { computed?: boolean }>>;
  blocks?: Readonly<Record<string, { block: ShapeOfBlock }>>;
}

/**
 * Terraform core's proposed new state (objchange.ProposedNew): the configuration, with each computed
 * attribute the configuration leaves null taken from the prior state.
 */
export function proposedNew(block: ShapeOfBlock, prior: TfValue, config: TfObject): TfObject {
  const p = isObject(prior) ? prior : null;
  const out: TfObject = {};
  for (const [name, attr] of Object.entries(block.attributes)) {
    const c = config[name] ?? null;
    out[name] = attr.computed && c === null ? (p ? (p[name] ?? null) : null) : c;
  }
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const c = config[name] ?? null;
    out[name] = isObject(c) ? proposedNew(nested.block, p ? (p[name] ?? null) : null, c) : null;
  }
  return out;
}

export interface Plan {
  planned: TfValue;
  requiresReplace: AttributePath[];
  diagnostics: Diagnostic[];
}

/** Plays Terraform core in-process against a {@link ProviderCore}: plan, apply (replace included), read, import. */
export class InProcessTerraform {
  constructor(readonly provider: ProviderCore) {}

  config(type: string, values: Record<string, unknown>): TfObject {
    return conform(BLOCKS[type]!, values);
  }

  async plan(type: string, prior: TfValue, values: Record<string, unknown> | null): Promise<Plan> {
    const config = values === null ? null : this.config(type, values);
    if (config) {
      const v = await this.provider.validateResourceConfig(type, config);
      if (v.diagnostics.length) return { planned: null, requiresReplace: [], diagnostics: v.diagnostics };
    }
    const proposed = config === null ? null : proposedNew(BLOCKS[type]!, prior, config);
    const r = await this.provider.planResourceChange({ typeName: type, priorState: prior, proposedNewState: proposed, config, priorPrivate: Buffer.alloc(0) });
    return { planned: r.plannedState, requiresReplace: r.requiresReplace, diagnostics: r.diagnostics };
  }

  /** Plans and applies; a plan that asks for replacement destroys the prior object and creates a new one. */
  async apply(type: string, prior: TfValue, values: Record<string, unknown> | null): Promise<{ state: TfValue; plan: Plan; diagnostics: Diagnostic[] }> {
    const plan = await this.plan(type, prior, values);
    expectNoErrors(plan.diagnostics);
    const config = values === null ? null : this.config(type, values);
    if (plan.requiresReplace.length > 0 && prior !== null) {
      const destroyed = await this.provider.applyResourceChange({ typeName: type, priorState: prior, plannedState: null, config: null, plannedPrivate: Buffer.alloc(0) });
      expectNoErrors(destroyed.diagnostics);
      const create = await this.plan(type, null, values);
      const created = await this.provider.applyResourceChange({ typeName: type, priorState: null, plannedState: create.planned, config, plannedPrivate: Buffer.alloc(0) });
      return { state: created.newState, plan, diagnostics: [...destroyed.diagnostics, ...created.diagnostics] };
    }
    const r = await this.provider.applyResourceChange({ typeName: type, priorState: prior, plannedState: plan.planned, config, plannedPrivate: Buffer.alloc(0) });
    return { state: r.newState, plan, diagnostics: r.diagnostics };
  }

  async read(type: string, state: TfValue): Promise<TfValue> {
    const r = await this.provider.readResource(type, state, Buffer.alloc(0));
    expectNoErrors(r.diagnostics);
    return r.newState;
  }
}

export function expectNoErrors(diagnostics: Diagnostic[]): void {
  expect(diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(diagnostics)).to.deep.equal([]);
}

/** A real Keysmith service (SQLite, random port), a provider configured against it, and an SDK client. */
export class ProviderFixture {
  /** The provider's clock; starts with the service's. */
  declare now: Date;
  private constructor(
    readonly harness: Harness,
    readonly endpoint: string,
    readonly provider: ProviderCore,
    readonly terraform: InProcessTerraform,
    readonly sdk: Keysmith,
  ) {}

  static async start(dialect: Dialect = 'sqlite'): Promise<ProviderFixture> {
    const harness = await Harness.start(dialect);
    await harness.server.start();
    const endpoint = harness.server.info.uri;
    const clock = { now: TEST_NOW };
    const provider = createProvider({ now: () => new Date(clock.now) });
    const fixture = new ProviderFixture(harness, endpoint, provider, new InProcessTerraform(provider), new Keysmith({ baseUrl: endpoint, rootKey: harness.tenants.acme.rootKey, maxRetries: 0 }));
    const configured = await provider.configureProvider({ endpoint, root_key: harness.tenants.acme.rootKey, max_concurrent: null, requests_per_second: null, max_retries: 0, timeout_ms: null }, '1.11.0');
    expectNoErrors(configured.diagnostics);
    Object.defineProperty(fixture, 'now', { get: () => clock.now, set: (d: Date) => (clock.now = d) });
    return fixture;
  }

  /** Moves the provider's clock and the service's together. */
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
    this.harness.clock.advance(ms);
  }

  async stop(): Promise<void> {
    await this.harness.stop();
  }
}
