/**
 * An in-memory ModelVersionRegistry: the reference implementation of the contract's semantics for
 * tests and throw-away runs (nothing survives the process). The file and MLflow registries keep the
 * same semantics; the conformance suite runs against all of them.
 */
import { PlatformError } from '../../schema/errors.ts';
import { checkGate, MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { ModelStage } from '../contracts/model-runtime.ts';
import type { ModelVersionInfo, ModelVersionRegistry, NewModelVersion } from '../contracts/model-version-registry.ts';

interface Stored {
  info: Omit<ModelVersionInfo, 'aliases' | 'stage'>;
  stage: ModelStage;
  artifacts: ReadonlyMap<string, Uint8Array>;
}

export function createMemoryModelRegistry(gates: Readonly<Record<string, ModelGate>> = MODEL_GATES, now: () => number = Date.now): ModelVersionRegistry {
  const models = new Map<string, Stored[]>();
  const aliases = new Map<string, Map<string, string>>();

  const view = (name: string, s: Stored): ModelVersionInfo => {
    const a = [...(aliases.get(name) ?? new Map<string, string>()).entries()].filter(([, v]) => v === s.info.version).map(([k]) => k).sort();
    return { ...s.info, stage: s.stage, aliases: a };
  };
  const find = (name: string, version: string): Stored => {
    const s = models.get(name)?.find((x) => x.info.version === version);
    if (!s) throw new PlatformError('MODEL_NOT_FOUND', `model ${name} version ${version} is not registered`, { model: `${name}@${version}` });
    return s;
  };

  return {
    capability: 'modelVersionRegistry',
    kind: 'memory',
    features: new Set(),
    async start() {},
    async health() { return { ok: true, detail: `${models.size} model(s) in memory` }; },
    async close() {},
    async [Symbol.asyncDispose]() {},
    async createVersion(v: NewModelVersion) {
      if (!v.artifacts['model.onnx']) throw new PlatformError('MODEL_INPUT_INVALID', `model ${v.name}: a version needs a model.onnx artifact`, { reason: 'model.onnx artifact missing' });
      const list = models.get(v.name) ?? [];
      const version = String(list.length + 1);
      const { artifacts, ...rest } = v;
      const s: Stored = {
        info: { ...structuredClone(rest), version, createdAt: new Date(now()).toISOString(), artifactPaths: Object.keys(artifacts).sort() },
        stage: 'None',
        artifacts: new Map(Object.entries(artifacts).map(([k, b]) => [k, new Uint8Array(b)])),
      };
      list.push(s);
      models.set(v.name, list);
      return view(v.name, s);
    },
    async models() { return [...models.keys()].sort(); },
    async versions(name) { return (models.get(name) ?? []).map((s) => view(name, s)); },
    async version(name, version) { return view(name, find(name, version)); },
    async byAlias(name, alias) {
      const v = aliases.get(name)?.get(alias);
      return v === undefined ? undefined : view(name, find(name, v));
    },
    async setAlias(name, alias, version) {
      const s = find(name, version);
      if (alias === 'champion') {
        const gate = checkGate(name, { ...s.info.baselines, ...s.info.metrics }, gates);
        if (!gate.passed) throw new PlatformError('MODEL_GATE_FAILED', `model ${name} version ${version} fails its gate: ${gate.failures.join('; ')}`, { model: name, version, stage: 'champion', failures: gate.failures.join('; ') });
      }
      const m = aliases.get(name) ?? new Map<string, string>();
      const previous = m.get(alias);
      m.set(alias, version);
      aliases.set(name, m);
      if (alias === 'champion') {
        if (previous !== undefined && previous !== version) find(name, previous).stage = 'Archived';
        s.stage = 'Production';
      }
    },
    async deleteAlias(name, alias) { aliases.get(name)?.delete(alias); },
    async setStage(name, version, stage) { find(name, version).stage = stage; },
    async artifact(name, version, path) {
      const b = find(name, version).artifacts.get(path);
      if (!b) throw new PlatformError('MODEL_NOT_FOUND', `model ${name} version ${version} has no artifact ${path}`, { model: `${name}@${version}` });
      return new Uint8Array(b);
    },
  };
}
