/**
 * ModelVersionRegistry conformance: run unchanged against every implementation (memory, file,
 * MLflow). `make(gates)` returns a registry instance over the SAME storage each call (same folder,
 * same MLflow server), so two instances are two writers; model names are unique per run, and the
 * gates passed to `make` declare the fraud gate of schema/model-gates.ts for them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ModelVersionRegistry, NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';
import { MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import { uniqueName, withCode } from './helpers.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Metrics that pass the fraud gate (precision >= 0.8, recall >= 0.7, F1 >= 0.75, F1 >= rules F1). */
const PASSING = { precision: 0.9, recall: 0.8, f1: 0.847059, auc: 0.97 };
/** Fails on recall. */
const FAILING = { precision: 0.9, recall: 0.5, f1: 0.642857, auc: 0.9 };

function newVersion(name: string, metrics: Readonly<Record<string, number>>, extra: Partial<NewModelVersion> = {}): NewModelVersion {
  return {
    name,
    flavor: 'gradient_boosting',
    featureNames: ['amount_log', 'is_crypto', 'payments_last_30min'],
    outputNames: ['probability'],
    params: { n_trees: 50, learning_rate: 0.1, balanced: true, loss: 'log_loss' },
    metrics,
    baselines: { rules_f1: 0.8, majority_f1: 0 },
    lineage: {
      tables: [{ name: 'silver.payments', version: 12 }, { name: 'silver.fraud_labels', version: 3 }],
      featureViews: ['user_payment_velocity', 'payment_amount_stats'],
      codeVersion: 'abc1234',
      trainingRows: 60_000,
      dataFrom: '2026-11-01T00:00:00.000Z',
      dataTo: '2026-11-30T00:00:00.000Z',
    },
    description: `fraud model for ${name}`,
    artifacts: { 'model.onnx': bytes(`onnx of ${name} ${randomBytes(4).toString('hex')}`) },
    tags: { trainer: 'conformance' },
    ...extra,
  };
}

export function modelVersionRegistryConformance(label: string, make: (gates: Readonly<Record<string, ModelGate>>) => Promise<ModelVersionRegistry>): void {
  void describe(`ModelVersionRegistry conformance: ${label}`, () => {
    const prefix = uniqueName('conf').toLowerCase();
    const names = { basic: `${prefix}_basic`, alias: `${prefix}_alias`, gate: `${prefix}_gate`, stage: `${prefix}_stage`, art: `${prefix}_art`, race: `${prefix}_race` };
    const fraudGate = MODEL_GATES.fraud_score;
    assert.ok(fraudGate);
    const gates: Record<string, ModelGate> = Object.fromEntries(Object.values(names).map((n) => [n, fraudGate]));
    let reg: ModelVersionRegistry;
    let other: ModelVersionRegistry;
    before(async () => {
      reg = await make(gates);
      other = await make(gates);
      await reg.start();
      await other.start();
    });
    after(async () => {
      await reg.close();
      await other.close();
    });

    void it('starts idempotently and reports health', async () => {
      await reg.start();
      assert.equal(reg.capability, 'modelVersionRegistry');
      assert.equal((await reg.health()).ok, true);
    });

    void it('creates versions 1, 2, ... with everything recorded; another instance reads the same', async () => {
      const t0 = Date.now();
      const v1 = await reg.createVersion(newVersion(names.basic, PASSING));
      const v2 = await reg.createVersion(newVersion(names.basic, FAILING, { params: { n_trees: 80 }, tags: {} }));
      assert.equal(v1.version, '1');
      assert.equal(v2.version, '2');
      assert.equal(v1.stage, 'None');
      assert.deepEqual(v1.aliases, []);
      assert.deepEqual(v1.artifactPaths, ['model.onnx']);
      const created = Date.parse(v1.createdAt);
      assert.ok(created >= t0 - 5_000 && created <= Date.now() + 5_000, `createdAt ${v1.createdAt}`);
      const expected = newVersion(names.basic, PASSING);
      const read = await other.version(names.basic, '1');
      assert.equal(read.name, names.basic);
      assert.equal(read.flavor, expected.flavor);
      assert.deepEqual(read.featureNames, expected.featureNames);
      assert.deepEqual(read.outputNames, expected.outputNames);
      assert.deepEqual(read.params, expected.params, 'params keep their types');
      assert.deepEqual(read.metrics, PASSING);
      assert.deepEqual(read.baselines, expected.baselines);
      assert.deepEqual(read.lineage, expected.lineage);
      assert.equal(read.description, expected.description);
      assert.deepEqual(read.tags, { trainer: 'conformance' });
      assert.equal(read.createdAt, v1.createdAt);
      assert.deepEqual((await other.versions(names.basic)).map((v) => v.version), ['1', '2']);
      assert.deepEqual((await other.version(names.basic, '2')).params, { n_trees: 80 });
      const models = await other.models();
      assert.ok(models.includes(names.basic));
      assert.deepEqual([...models], [...models].sort(), 'models() is sorted');
    });

    void it('refuses a version without model.onnx', async () => {
      await assert.rejects(reg.createVersion(newVersion(names.basic, PASSING, { artifacts: { 'notes.txt': bytes('x') } })), withCode('MODEL_INPUT_INVALID'));
    });

    void it('aliases point at one version and move; a missing alias reads undefined', async () => {
      const n = names.alias;
      await reg.createVersion(newVersion(n, FAILING));
      await reg.createVersion(newVersion(n, FAILING));
      assert.equal(await reg.byAlias(n, 'challenger'), undefined);
      await reg.setAlias(n, 'challenger', '1');
      assert.equal((await other.byAlias(n, 'challenger'))?.version, '1');
      assert.deepEqual((await other.version(n, '1')).aliases, ['challenger']);
      await other.setAlias(n, 'challenger', '2');
      assert.equal((await reg.byAlias(n, 'challenger'))?.version, '2');
      assert.deepEqual((await reg.version(n, '1')).aliases, [], 'the old version lost the alias');
      await reg.setAlias(n, 'shadow', '2');
      assert.deepEqual((await reg.version(n, '2')).aliases, ['challenger', 'shadow']);
      await reg.deleteAlias(n, 'challenger');
      assert.equal(await other.byAlias(n, 'challenger'), undefined);
      assert.deepEqual((await reg.version(n, '2')).aliases, ['shadow']);
      assert.equal((await reg.version(n, '2')).stage, 'None', 'aliases other than champion leave stages alone');
      await assert.rejects(reg.setAlias(n, 'challenger', '9'), withCode('MODEL_NOT_FOUND'));
    });

    void it('champion needs the gate: a failing version is refused with MODEL_GATE_FAILED and the alias stays', async () => {
      const n = names.gate;
      await reg.createVersion(newVersion(n, PASSING));
      await reg.createVersion(newVersion(n, FAILING));
      await reg.createVersion(newVersion(n, PASSING));
      await reg.setAlias(n, 'champion', '1');
      assert.equal((await other.byAlias(n, 'champion'))?.version, '1');
      await assert.rejects(other.setAlias(n, 'champion', '2'), (e: unknown) => withCode('MODEL_GATE_FAILED')(e) && /recall/.test((e as Error).message));
      assert.equal((await reg.byAlias(n, 'champion'))?.version, '1', 'the champion did not move');
      assert.equal((await reg.version(n, '2')).stage, 'None');
      await reg.setAlias(n, 'challenger', '2');
      assert.equal((await reg.byAlias(n, 'challenger'))?.version, '2', 'other aliases are free of the gate');
    });

    void it('keeps stage Production in step with champion; the replaced champion is Archived', async () => {
      const n = names.gate;
      assert.equal((await reg.version(n, '1')).stage, 'Production');
      await other.setAlias(n, 'champion', '3');
      const [v1, v2, v3] = await reg.versions(n);
      assert.equal(v1?.stage, 'Archived');
      assert.equal(v2?.stage, 'None');
      assert.equal(v3?.stage, 'Production');
      assert.deepEqual(v3?.aliases, ['champion']);
      assert.deepEqual(v1?.aliases, []);
    });

    void it('sets stages for readers that expect them', async () => {
      const n = names.stage;
      await reg.createVersion(newVersion(n, FAILING));
      await reg.setStage(n, '1', 'Staging');
      assert.equal((await other.version(n, '1')).stage, 'Staging');
      await other.setStage(n, '1', 'Archived');
      assert.equal((await reg.version(n, '1')).stage, 'Archived');
    });

    void it('stores artifacts byte for byte under the version', async () => {
      const n = names.art;
      const onnx = new Uint8Array(randomBytes(250_000));
      const notes = bytes('feature importance\nä ö ü ✓\n');
      const v = await reg.createVersion(newVersion(n, PASSING, { artifacts: { 'model.onnx': onnx, 'reports/importance.txt': notes } }));
      assert.deepEqual(v.artifactPaths, ['model.onnx', 'reports/importance.txt']);
      assert.deepEqual(await other.artifact(n, v.version, 'model.onnx'), onnx);
      assert.deepEqual(await other.artifact(n, v.version, 'reports/importance.txt'), notes);
      await assert.rejects(reg.artifact(n, v.version, 'missing.bin'), withCode('MODEL_NOT_FOUND'));
    });

    void it('MODEL_NOT_FOUND for an unknown model or version; listing an unknown model is empty', async () => {
      const unknown = `${prefix}_nope`;
      await assert.rejects(reg.version(unknown, '1'), withCode('MODEL_NOT_FOUND'));
      await assert.rejects(reg.version(names.basic, '99'), withCode('MODEL_NOT_FOUND'));
      await assert.rejects(reg.setStage(names.basic, '99', 'Staging'), withCode('MODEL_NOT_FOUND'));
      await assert.rejects(reg.setAlias(unknown, 'champion', '1'), withCode('MODEL_NOT_FOUND'));
      await assert.rejects(reg.artifact(unknown, '1', 'model.onnx'), withCode('MODEL_NOT_FOUND'));
      assert.deepEqual(await reg.versions(unknown), []);
      assert.equal(await reg.byAlias(unknown, 'champion'), undefined);
      assert.ok(!(await reg.models()).includes(unknown));
    });

    void it('concurrent createVersion from two instances gives distinct consecutive versions', async () => {
      const n = names.race;
      const made = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? reg : other).createVersion(newVersion(n, PASSING, { description: `racer ${i}` }))));
      const numbers = made.map((v) => Number(v.version)).sort((a, b) => a - b);
      assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8]);
      const listed = await reg.versions(n);
      assert.deepEqual(listed.map((v) => v.version), ['1', '2', '3', '4', '5', '6', '7', '8']);
      for (const v of made) assert.equal((await other.version(n, v.version)).description, v.description, `version ${v.version} holds its own record`);
    });
  });
}
