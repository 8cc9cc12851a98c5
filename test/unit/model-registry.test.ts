/** The file-backed model registry: validation, Production lookup, paths. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { compareVersions, createModelRegistry, loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
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
});
