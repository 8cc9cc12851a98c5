/**
 * A ModelRegistry read from a registry.json file (a list of ModelCard). The file is validated
 * (zod) and frozen; a missing or malformed file is CONFIG_INVALID naming the file and the entry.
 * A Production card whose metrics fail its model's gate (schema/model-gates.ts) is refused with
 * MODEL_GATE_FAILED: nothing that fails its gate is ever served.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { deepFreeze } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import { checkGate, MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { ModelRegistry } from '../contracts/model-registry.ts';
import type { ModelCard } from '../contracts/model-runtime.ts';

const modelCardSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'model names are snake_case'),
  version: z.string().min(1),
  stage: z.enum(['None', 'Staging', 'Production', 'Archived']),
  file: z.string().min(1).refine((f) => !isAbsolute(f), 'file is relative to the registry file'),
  featureNames: z.array(z.string().min(1)).min(1),
  outputNames: z.array(z.string().min(1)).min(1),
  metrics: z.record(z.string(), z.number()),
  trainedAt: z.string().min(1),
  description: z.string(),
});

const registrySchema = z.array(modelCardSchema);

/** Compares versions numerically when both are numbers ('10' > '9'), else as strings. */
export function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

/** Throws MODEL_GATE_FAILED when a Production card fails its model's gate. */
export function assertGatePassed(card: ModelCard, gates: Readonly<Record<string, ModelGate>> = MODEL_GATES): void {
  if (card.stage !== 'Production') return;
  const gate = checkGate(card.name, card.metrics, gates);
  if (!gate.passed) {
    throw new PlatformError('MODEL_GATE_FAILED', `model registry: ${card.name} version ${card.version} is Production but fails its gate: ${gate.failures.join('; ')}`, {
      model: card.name, version: card.version, failures: gate.failures,
    });
  }
}

export function createModelRegistry(cards: readonly ModelCard[], baseDir: string, gates: Readonly<Record<string, ModelGate>> = MODEL_GATES): ModelRegistry {
  const seen = new Set<string>();
  for (const c of cards) {
    const k = `${c.name}@${c.version}`;
    if (seen.has(k)) throw new PlatformError('CONFIG_INVALID', `model registry: ${k} is listed twice`, { model: c.name, version: c.version });
    seen.add(k);
    assertGatePassed(c, gates);
  }
  const frozen = deepFreeze(cards.map((c) => ({ ...c })));
  return {
    cards: () => frozen,
    production(name) {
      let best: ModelCard | undefined;
      for (const c of frozen) {
        if (c.name === name && c.stage === 'Production' && (!best || compareVersions(c.version, best.version) > 0)) best = c;
      }
      return best;
    },
    path: (card) => resolve(baseDir, card.file),
  };
}

export async function loadModelRegistry(registryJsonPath: string): Promise<ModelRegistry> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(registryJsonPath, 'utf8'));
  } catch (e) {
    throw new PlatformError('CONFIG_INVALID', `model registry ${registryJsonPath} cannot be read: ${errorMessage(e)}`, { file: registryJsonPath }, { cause: e });
  }
  const parsed = registrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = (issue?.path ?? []).map(String).join('.');
    throw new PlatformError('CONFIG_INVALID', `model registry ${registryJsonPath}: invalid entry at [${where}]: ${issue?.message ?? 'invalid'}`, { file: registryJsonPath, path: where });
  }
  return createModelRegistry(parsed.data, dirname(resolve(registryJsonPath)));
}
