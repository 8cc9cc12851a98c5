/**
 * The ModelRuntime contract, run unchanged against every implementation. Uses the committed model
 * artifacts (models/registry.json) as fixtures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ModelCard, ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { withCode } from './helpers.ts';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', 'models');

export function committedCards(): ModelCard[] {
  return JSON.parse(readFileSync(join(MODELS_DIR, 'registry.json'), 'utf8')) as ModelCard[];
}

export function committedCard(name: string): ModelCard {
  const card = committedCards().find((c) => c.name === name);
  if (!card) throw new Error(`no committed model ${name}`);
  return card;
}

export const modelPath = (card: ModelCard): string => join(MODELS_DIR, card.file);

/** A plausible raw feature row of each committed model. */
export const SAMPLE_ROWS: Readonly<Record<string, readonly number[]>> = {
  surge_multiplier: [2.5, 0.5, -0.86, 0, 1, 0, 0.1],
  fraud_score: [Math.log1p(12000), 1, 0, 1, 1, 0, 1, 8],
  demand_forecast: [80, 75, 0.97, -0.26, 0, 0, 0],
  credit_default: [50_000, 30, 2, 2, 48_000, 500, 0.96],
};

export function modelRuntimeConformance(label: string, make: () => Promise<ModelRuntime>): void {
  const started = async (): Promise<ModelRuntime> => {
    const rt = await make();
    await rt.start();
    return rt;
  };

  void describe(`ModelRuntime conformance: ${label}`, () => {
    void it('loads cards, lists them, and runs one batch with one result per row', async () => {
      await using rt = await started();
      for (const card of committedCards()) await rt.load(card, modelPath(card));
      assert.deepEqual(rt.loaded().map((c) => `${c.name}@${c.version}`).sort(), committedCards().map((c) => `${c.name}@${c.version}`).sort());
      for (const card of committedCards()) {
        const row = SAMPLE_ROWS[card.name];
        assert.ok(row);
        const out = await rt.run(card.name, card.version, [row, row, row]);
        assert.equal(out.length, 3);
        for (const o of out) {
          assert.deepEqual(Object.keys(o).sort(), [...card.outputNames].sort());
          for (const name of card.outputNames) {
            assert.equal(o[name]?.length, 1);
            assert.ok(Number.isFinite(o[name]?.[0]));
          }
        }
        assert.deepEqual(out[0], out[2], 'same row, same prediction');
      }
      assert.equal((await rt.health()).ok, true);
    });

    void it('keeps row order within a batch', async () => {
      await using rt = await started();
      const card = committedCard('fraud_score');
      await rt.load(card, modelPath(card));
      const risky = SAMPLE_ROWS.fraud_score ?? [];
      const safe = [Math.log1p(300), 0, 0, 0, 0, 0, 0, 1];
      const out = await rt.run(card.name, card.version, [safe, risky, safe]);
      const p = out.map((o) => o.probability?.[0] ?? NaN);
      assert.ok((p[1] ?? 0) > 0.9 && (p[0] ?? 1) < 0.1, `probabilities ${p.join(', ')}`);
      assert.equal(p[0], p[2]);
    });

    void it('an empty batch returns no rows', async () => {
      await using rt = await started();
      const card = committedCard('surge_multiplier');
      await rt.load(card, modelPath(card));
      assert.deepEqual(await rt.run(card.name, card.version, []), []);
    });

    void it('unknown model or version: MODEL_NOT_FOUND', async () => {
      await using rt = await started();
      const card = committedCard('surge_multiplier');
      await rt.load(card, modelPath(card));
      await assert.rejects(rt.run('no_such_model', '1', [[1]]), withCode('MODEL_NOT_FOUND'));
      await assert.rejects(rt.run(card.name, '999', [SAMPLE_ROWS.surge_multiplier ?? []]), withCode('MODEL_NOT_FOUND'));
    });

    void it('wrong width or a non-finite value: MODEL_INPUT_INVALID', async () => {
      await using rt = await started();
      const card = committedCard('surge_multiplier');
      await rt.load(card, modelPath(card));
      const good = SAMPLE_ROWS.surge_multiplier ?? [];
      await assert.rejects(rt.run(card.name, card.version, [good, good.slice(1)]), withCode('MODEL_INPUT_INVALID'));
      await assert.rejects(rt.run(card.name, card.version, [[...good, 1]]), withCode('MODEL_INPUT_INVALID'));
      await assert.rejects(rt.run(card.name, card.version, [good.map((v, i) => (i === 2 ? NaN : v))]), withCode('MODEL_INPUT_INVALID'));
      await assert.rejects(rt.run(card.name, card.version, [good.map((v, i) => (i === 0 ? Infinity : v))]), withCode('MODEL_INPUT_INVALID'));
    });

    void it('a corrupt or missing file: MODEL_RUN_FAILED naming the file', async () => {
      await using rt = await started();
      const card = committedCard('surge_multiplier');
      const missing = join(MODELS_DIR, 'no-such-model.onnx');
      await assert.rejects(rt.load(card, missing), (e: unknown) => withCode('MODEL_RUN_FAILED')(e) && String((e as Error).message).includes(missing));
      // registry.json is not an ONNX model
      const notOnnx = join(MODELS_DIR, 'registry.json');
      await assert.rejects(rt.load(card, notOnnx), (e: unknown) => withCode('MODEL_RUN_FAILED')(e) && String((e as Error).message).includes(notOnnx));
      assert.deepEqual(rt.loaded(), []);
    });

    void it('unload makes the model unknown; reload replaces it', async () => {
      await using rt = await started();
      const card = committedCard('demand_forecast');
      await rt.load(card, modelPath(card));
      await rt.load(card, modelPath(card));
      assert.equal(rt.loaded().length, 1);
      await rt.unload(card.name, card.version);
      assert.deepEqual(rt.loaded(), []);
      await assert.rejects(rt.run(card.name, card.version, [SAMPLE_ROWS.demand_forecast ?? []]), withCode('MODEL_NOT_FOUND'));
    });

    void it('refuses work before start and after close; close is idempotent', async () => {
      const rt = await make();
      const card = committedCard('surge_multiplier');
      await assert.rejects(rt.load(card, modelPath(card)), withCode('CONNECTOR_NOT_STARTED'));
      assert.equal((await rt.health()).ok, false);
      await rt.start();
      await rt.load(card, modelPath(card));
      await rt.close();
      await rt.close();
      assert.equal((await rt.health()).ok, false);
      await assert.rejects(rt.run(card.name, card.version, [SAMPLE_ROWS.surge_multiplier ?? []]), withCode('CONNECTOR_NOT_STARTED'));
    });
  });
}
