import { UNKNOWN, type AttributePath, type TfValue } from './contract';
import type { BlockSpec, SchemaSpec } from './schema';
import { isObject, isWhollyKnown, valuesEqual, type TfObject } from './values';

/**
 * What a resource's `modifyPlan` hook may do to a plan after the schema's rules ran: read the prior state,
 * the configuration and the plan so far; set or unknown values; ask for a replacement.
 */
export interface PlanEditor {
  readonly prior: TfObject | null;
  readonly config: TfObject;
  readonly planned: TfObject;
  /** Plans the value at `path` as "known after apply". */
  setUnknown(path: AttributePath): void;
  set(path: AttributePath, value: TfValue): void;
  /** Plans a replacement because of the value at `path` (which must differ from the prior one or be unknown). */
  requireReplace(path: AttributePath): void;
}

export interface PlanOutcome {
  planned: TfValue;
  requiresReplace: AttributePath[];
}

/**
 * PlanResourceChange's rules, from the schema alone: a destroy passes through; defaults fill what the
 * configuration leaves out; a semantically equal value keeps its prior spelling; computed values the
 * configuration does not set are unknown on create and on a change (kept from state where the attribute
 * says `useStateForUnknown`, unless the object is replaced); `requiresReplace` attributes that change are
 * reported. `modifyPlan` then applies the resource's own rules (rotation due, a revoked key).
 */
export function planChange(
  spec: SchemaSpec,
  priorState: TfValue,
  proposedNewState: TfValue,
  config: TfValue,
  modifyPlan?: (editor: PlanEditor) => void,
): PlanOutcome {
  if (proposedNewState === null || !isObject(proposedNewState)) return { planned: null, requiresReplace: [] };
  const prior = isObject(priorState) ? priorState : null;
  const cfg = isObject(config) ? config : {};
  const planned = applyDefaults(spec.block, prior, proposedNewState, cfg);
  const changed = prior === null || !valuesEqual(planned, prior);
  const requiresReplace: AttributePath[] = prior ? replacePaths(spec.block, prior, planned, []) : [];
  if (changed) markComputedUnknown(spec.block, prior, planned, cfg, requiresReplace.length > 0);

  if (modifyPlan) {
    const extra: AttributePath[] = [];
    modifyPlan({
      prior,
      config: cfg,
      planned,
      setUnknown: (path) => setAt(planned, path, UNKNOWN),
      set: (path, value) => setAt(planned, path, value),
      requireReplace: (path) => extra.push(path),
    });
    if (prior && extra.length > 0) {
      if (requiresReplace.length === 0) markComputedUnknown(spec.block, prior, planned, cfg, true);
      for (const p of extra) if (!requiresReplace.some((q) => samePath(p, q))) requiresReplace.push(p);
    }
  }
  return { planned, requiresReplace };
}

function applyDefaults(block: BlockSpec, prior: TfObject | null, proposed: TfObject, config: TfObject): TfObject {
  const out: TfObject = { ...proposed };
  for (const [name, attr] of Object.entries(block.attributes)) {
    const configured = config[name] ?? null;
    const value = out[name] ?? null;
    const before = prior ? (prior[name] ?? null) : null;
    if (attr.computed && configured === null && attr.default !== undefined) {
      out[name] = attr.default;
    } else if (attr.semanticEquals && before !== null && value !== null && isWhollyKnown(before) && isWhollyKnown(value) && attr.semanticEquals(before, value)) {
      out[name] = before;
    }
  }
  for (const name of Object.keys(block.blocks ?? {})) {
    const nested = block.blocks![name]!.block;
    const value = out[name];
    if (isObject(value)) {
      const p = prior && isObject(prior[name]) ? (prior[name] as TfObject) : null;
      const c = isObject(config[name]) ? (config[name] as TfObject) : {};
      out[name] = applyDefaults(nested, p, value, c);
    }
  }
  return out;
}

function markComputedUnknown(block: BlockSpec, prior: TfObject | null, planned: TfObject, config: TfObject, replacing: boolean): void {
  for (const [name, attr] of Object.entries(block.attributes)) {
    if (!attr.computed || attr.default !== undefined || (config[name] ?? null) !== null) continue;
    const keep = attr.useStateForUnknown && !replacing && prior !== null;
    planned[name] = keep ? (prior[name] ?? null) : UNKNOWN;
  }
  for (const name of Object.keys(block.blocks ?? {})) {
    const value = planned[name];
    if (!isObject(value)) continue;
    const p = prior && isObject(prior[name]) ? (prior[name] as TfObject) : null;
    const c = isObject(config[name]) ? (config[name] as TfObject) : {};
    markComputedUnknown(block.blocks![name]!.block, p, value, c, replacing);
  }
}

function replacePaths(block: BlockSpec, prior: TfObject, planned: TfObject, base: AttributePath): AttributePath[] {
  const paths: AttributePath[] = [];
  for (const [name, attr] of Object.entries(block.attributes)) {
    if (attr.requiresReplace && !valuesEqual(prior[name] ?? null, planned[name] ?? null)) paths.push([...base, name]);
  }
  for (const name of Object.keys(block.blocks ?? {})) {
    const p = prior[name];
    const v = planned[name];
    if (isObject(p) && isObject(v)) paths.push(...replacePaths(block.blocks![name]!.block, p, v, [...base, name]));
  }
  return paths;
}

/**
 * Where an apply's result breaks its plan (Terraform's "Provider produced inconsistent result"): a value
 * still unknown, or one that differs from a value the plan knew.
 */
export function inconsistencies(planned: TfValue, actual: TfValue, path: AttributePath = []): AttributePath[] {
  if (planned === UNKNOWN) return isWhollyKnown(actual) ? [] : [path];
  if (isObject(planned) && isObject(actual)) {
    const keys = new Set([...Object.keys(planned), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => inconsistencies(planned[k] ?? null, actual[k] ?? null, [...path, k]));
  }
  if (!isWhollyKnown(planned)) {
    // A collection partly known: compare it as a whole once the result is known.
    if (!isWhollyKnown(actual) || !Array.isArray(planned) || !Array.isArray(actual) || planned.length !== actual.length) return [path];
    return planned.flatMap((v, i) => inconsistencies(v, actual[i] as TfValue, [...path, i]));
  }
  return valuesEqual(planned, actual) ? [] : [path];
}

export function getAt(value: TfValue, path: AttributePath): TfValue {
  let cur: TfValue = value;
  for (const step of path) {
    if (typeof step === 'number') cur = Array.isArray(cur) ? (cur[step] ?? null) : null;
    else cur = isObject(cur) ? (cur[step] ?? null) : null;
  }
  return cur;
}

function setAt(root: TfObject, path: AttributePath, value: TfValue): void {
  let cur: TfValue = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next: TfValue = isObject(cur) ? (cur[path[i] as string] ?? null) : null;
    if (!isObject(next)) return; // a path into a null block: nothing to set
    cur = next;
  }
  if (isObject(cur)) cur[path[path.length - 1] as string] = value;
}

function samePath(a: AttributePath, b: AttributePath): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
