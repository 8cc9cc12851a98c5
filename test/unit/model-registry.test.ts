/** The file-backed model registry: validation, Production lookup, paths. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { compareVersions, createModelRegistry, loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { checkGate, MODEL_GATES } from '../../schema/model-gates.ts';
import { withCode } from '../conformance/helpers.ts';
import { committedCard, MODELS_DIR } from '../conformance/model-runtime.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

function writeRegistry(name: string, content: unknown): string {
  const file = join(root, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

void describe('file model registry', () => {
  void it('loads the committed registry with a Production card per model and absolute paths', async () => {
    const registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
    assert.equal(registry.cards().length, 4);
    for (const name of ['surge_multiplier', 'fraud_score', 'demand_forecast', 'credit_default']) {
      const card = registry.production(name);
      assert.ok(card, name);
      assert.equal(registry.path(card), join(MODELS_DIR, name, '1', 'model.onnx'));
    }
    assert.equal(registry.production('nope'), undefined);
    assert.ok(Object.isFrozen(registry.cards()[0]));
  });

  void it('production() picks the highest Production version, numerically', () => {
    const base = committedCard('surge_multiplier');
    const cards: ModelCard[] = [
      { ...base, version: '2', stage: 'Production' },
      { ...base, version: '10', stage: 'Production', file: 'surge_multiplier/10/model.onnx' },
      { ...base, version: '11', stage: 'Staging' },
      { ...base, version: '12', stage: 'Archived' },
    ];
    const registry = createModelRegistry(cards, '/srv/models');
    assert.equal(registry.production('surge_multiplier')?.version, '10');
    assert.equal(registry.path(cards[1] as ModelCard), '/srv/models/surge_multiplier/10/model.onnx');
    assert.ok(compareVersions('10', '9') > 0);
    assert.throws(() => createModelRegistry([base, base], '/x'), withCode('CONFIG_INVALID'));
  });

  void it('a missing or malformed registry is CONFIG_INVALID naming the file and entry', async () => {
    const missing = join(root, 'missing.json');
    await assert.rejects(loadModelRegistry(missing), (e: unknown) => withCode('CONFIG_INVALID')(e) && (e as Error).message.includes(missing));
    await assert.rejects(loadModelRegistry(writeRegistry('broken.json', '{not json')), withCode('CONFIG_INVALID'));
    const bad = { ...committedCard('fraud_score'), stage: 'Live' };
    await assert.rejects(loadModelRegistry(writeRegistry('bad.json', [committedCard('surge_multiplier'), bad])), /invalid entry at \[1\.stage\]/);
    const absolute = { ...committedCard('fraud_score'), file: '/etc/passwd' };
    await assert.rejects(loadModelRegistry(writeRegistry('abs.json', [absolute])), /\[0\.file\]/);
  });

  void it('every committed Production card passes its gate, with its threshold and test metrics on the card', async () => {
    const registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
    for (const card of registry.cards().filter((c) => c.stage === 'Production')) {
      assert.deepEqual(checkGate(card.name, card.metrics), { passed: true, failures: [] }, card.name);
    }
    const fraud = registry.production('fraud_score');
    assert.ok(fraud, 'fraud_score has a Production version');
    for (const k of ['threshold', 'precision', 'recall', 'f1', 'rules_precision', 'rules_recall', 'rules_f1', 'rows_test']) assert.equal(typeof fraud.metrics[k], 'number', k);
    assert.ok((fraud.metrics.precision ?? 0) >= 0.8 && (fraud.metrics.recall ?? 0) >= 0.7 && (fraud.metrics.f1 ?? 0) >= 0.75);
  });

  void it('refuses a Production card that fails its gate with MODEL_GATE_FAILED naming model and failures', async () => {
    const base = committedCard('fraud_score');
    // issue 7: fraud_score v1 had precision 0.795 < 0.80 and was Production
    const failing: ModelCard = { ...base, version: '9', stage: 'Production', metrics: { ...base.metrics, precision: 0.794702 } };
    const refused = (e: unknown): boolean => withCode('MODEL_GATE_FAILED')(e) && /fraud_score version 9/.test((e as Error).message) && /precision 0\.794702 is not >= 0\.8/.test((e as Error).message);
    assert.throws(() => createModelRegistry([base, failing], '/x'), refused);
    await assert.rejects(loadModelRegistry(writeRegistry('gate.json', [base, failing])), refused);
    // the same card as Staging or None is fine, and production() never picks it
    for (const stage of ['Staging', 'None'] as const) {
      const registry = createModelRegistry([base, { ...failing, stage }], '/x');
      assert.equal(registry.production('fraud_score')?.version, base.version);
    }
    // a model with no declared gate, or a card without the metrics its gate reads, cannot be Production
    assert.throws(() => createModelRegistry([{ ...base, name: 'ungated_model' }], '/x'), withCode('MODEL_GATE_FAILED'));
    const { precision: _dropped, ...withoutPrecision } = base.metrics;
    assert.throws(() => createModelRegistry([{ ...base, metrics: withoutPrecision }], '/x'), /metric precision is missing/);
    assert.ok(Object.keys(MODEL_GATES).length >= 4);
  });

  void it('gate checks: constants, baselines times a factor, regressors against mean and persistence', () => {
    assert.deepEqual(checkGate('surge_multiplier', { rmse: 0.79, baseline_rmse: 1 }), { passed: true, failures: [] });
    assert.equal(checkGate('surge_multiplier', { rmse: 0.81, baseline_rmse: 1 }).passed, false);
    assert.equal(checkGate('demand_forecast', { rmse: 7, baseline_rmse: 20, persistence_rmse: 8 }).passed, false);
    assert.equal(checkGate('demand_forecast', { rmse: 6, baseline_rmse: 20, persistence_rmse: 8 }).passed, true);
    const fraud = { precision: 0.9, recall: 0.8, f1: 0.85, rules_f1: 0.86 };
    assert.deepEqual(checkGate('fraud_score', fraud).failures, ['f1 0.85 is not >= 1 x rules_f1 = 0.86']);
    assert.equal(checkGate('credit_default', { auc: 0.75, f1: 0.4, baseline_f1: 0.35 }).passed, true);
    assert.equal(checkGate('credit_default', { auc: 0.69, f1: 0.4, baseline_f1: 0.35 }).passed, false);
  });
});
