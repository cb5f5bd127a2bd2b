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

/**
 * Terraform core's check of a plan (objchange.AssertPlanValid), the parts this provider can break: a value
 * the configuration sets must be planned as configured (or as the prior value, the provider's way of saying
 * "same meaning"), and a nested block exists exactly when the configuration has it.
 */
export function planProblems(block: ShapeOfBlock, prior: TfValue, config: TfValue, planned: TfValue, path: string[] = []): string[] {
  if (!isObject(planned) || !isObject(config)) return isObject(planned) === isObject(config) ? [] : [`${path.join('.') || 'object'}: block presence differs from config`];
  const p = isObject(prior) ? prior : null;
  const problems: string[] = [];
  for (const [name, attr] of Object.entries(block.attributes)) {
    const c = config[name] ?? null;
    const v = planned[name] ?? null;
    if (c === null && attr.computed) continue;
    const before = p ? (p[name] ?? null) : null;
    const same = (a: TfValue, b: TfValue): boolean => JSON.stringify(a) === JSON.stringify(b) && typeof a === typeof b;
    if (!same(v, c) && !(c !== null && before !== null && same(v, before))) problems.push(`${[...path, name].join('.')}: planned value differs from config`);
  }
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    problems.push(...planProblems(nested.block, p ? (p[name] ?? null) : null, config[name] ?? null, planned[name] ?? null, [...path, name]));
  }
  return problems;
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
    if (config) expect(planProblems(BLOCKS[type]!, prior, config, r.plannedState), 'Terraform would refuse this plan').to.deep.equal([]);
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
