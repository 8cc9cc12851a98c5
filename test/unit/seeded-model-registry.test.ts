/** The memory ModelVersionRegistry seeded from models/registry.json: every Production card is a champion with its ONNX file as model.onnx. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { seedMemoryModelRegistry } from '../../connectors/onnx/seeded-model-registry.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';

void describe('seeded model registry', () => {
  void it('holds every card as a version, Production ones as champion, with the ONNX bytes as the model.onnx artifact', async () => {
    const cards = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
    const reg = await seedMemoryModelRegistry(cards);
    assert.deepEqual(await reg.models(), [...new Set(cards.cards().map((c) => c.name))].sort());
    for (const name of await reg.models()) {
      const card = cards.production(name);
      assert.ok(card);
      const champion = await reg.byAlias(name, 'champion');
      assert.equal(champion?.stage, 'Production');
      assert.deepEqual(champion?.featureNames, card.featureNames);
      assert.deepEqual(champion?.metrics, card.metrics);
      assert.deepEqual(await reg.artifact(name, champion.version, 'model.onnx'), new Uint8Array(readFileSync(cards.path(card))));
      assert.equal(await reg.byAlias(name, 'challenger'), undefined);
    }
  });
});
