/**
 * Rules every ModelVersionRegistry implementation shares (connectors/contracts/model-version-registry.ts):
 * what a new version must carry, the champion gate, and the coded errors, so the file and MLflow
 * registries answer exactly as the in-memory reference does.
 */
import { PlatformError } from '../../schema/errors.ts';
import { checkGate, type ModelGate } from '../../schema/model-gates.ts';
import type { ModelVersionInfo, NewModelVersion } from '../contracts/model-version-registry.ts';

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';

/** Model names become folder names and MLflow names: letters, digits, `_`, `-`, `.`; no leading dot. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

export function modelNotFound(name: string, version?: string, what?: string): PlatformError {
  const ref = version === undefined ? name : `${name}@${version}`;
  const text = what ?? (version === undefined ? `model ${name} is not registered` : `model ${name} version ${version} is not registered`);
  return new PlatformError('MODEL_NOT_FOUND', text, { model: ref });
}

function invalid(name: string, reason: string): PlatformError {
  return new PlatformError('MODEL_INPUT_INVALID', `model ${name}: ${reason}`, { reason });
}

/** A relative artifact path without `..`, empty segments or backslashes. */
export function artifactPathProblem(p: string): string | undefined {
  if (p.length === 0 || p.length > 500) return 'must be 1-500 characters';
  if (p.startsWith('/') || p.includes('\\')) return 'must be relative with / separators';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'must not hold empty, . or .. segments';
  return undefined;
}

/** Throws MODEL_INPUT_INVALID when a new version cannot be stored (bad name, no model.onnx, bad path). */
export function checkNewVersion(v: NewModelVersion): void {
  if (!NAME.test(v.name)) throw invalid(v.name, 'a model name is letters, digits, _ - . (at most 200, not starting with .)');
  if (!v.artifacts['model.onnx']) throw invalid(v.name, 'a version needs a model.onnx artifact');
  for (const p of Object.keys(v.artifacts)) {
    const problem = artifactPathProblem(p);
    if (problem) throw invalid(v.name, `artifact path "${p}" ${problem}`);
  }
}

/** True when a model name could be stored at all (an impossible name is simply not registered). */
export function isModelName(name: string): boolean {
  return NAME.test(name);
}

/** Throws MODEL_GATE_FAILED when `info` fails its model's gate (metrics and baselines together). */
export function assertChampionGate(info: Pick<ModelVersionInfo, 'name' | 'version' | 'metrics' | 'baselines'>, gates: Readonly<Record<string, ModelGate>>): void {
  const gate = checkGate(info.name, { ...info.baselines, ...info.metrics }, gates);
  if (!gate.passed) {
    throw new PlatformError('MODEL_GATE_FAILED', `model ${info.name} version ${info.version} fails its gate: ${gate.failures.join('; ')}`, {
      model: info.name, version: info.version, stage: CHAMPION, failures: gate.failures.join('; '),
    });
  }
}

/** Numeric order of version strings ('10' after '9'). */
export function byVersion(a: { readonly version: string }, b: { readonly version: string }): number {
  return Number(a.version) - Number(b.version);
}
