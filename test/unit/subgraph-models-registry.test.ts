/**
 * The registry in the models subgraph over real HTTP: registered models with versions, aliases,
 * stages, metrics, baselines, params and lineage from a ModelVersionRegistry (the file registry,
 * seeded from models/registry.json), and promoteModel: moves aliases, keeps stages in step, and
 * refuses a version that fails its gate with MODEL_GATE_FAILED, leaving the champion where it was.
 * (Who may call promoteModel, admin only, is checked end to end by test/e2e/auth.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createFileModelVersionRegistry } from '../../connectors/embedded/file-model-version-registry.ts';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startModelsSubgraph } from '../../subgraphs/models/index.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';
import { gql, gqlData, silent } from './subgraph-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'gofuture-models-registry-'));
let runtime: ModelRuntime;
let versions: ModelVersionRegistry;
let server: SubgraphServer;

const VERSION_FIELDS = 'name version stage aliases flavor params { name value type } metrics { name value } baselines { name value } lineage { tables { name version } featureViews codeVersion trainingRows dataFrom dataTo } gate { passed failures } loaded artifactPaths createdAt';
const PROMOTE = 'mutation($name: String!, $version: String!, $alias: String!) { promoteModel(name: $name, version: $version, alias: $alias) { version stage aliases } }';

interface VersionView {
  name: string; version: string; stage: string; aliases: string[]; flavor: string;
  params: { name: string; value: string; type: string }[]; metrics: { name: string; value: number }[]; baselines: { name: string; value: number }[];
  lineage: { tables: { name: string; version: number }[]; featureViews: string[]; codeVersion: string; trainingRows: number | null; dataFrom: string | null; dataTo: string | null };
  gate: { passed: boolean; failures: string[] }; loaded: boolean; artifactPaths: string[]; createdAt: string;
}

before(async () => {
  runtime = createOnnxModelRuntime({}, { logger: silent, metrics: new Registry() });
  await runtime.start();
  const registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
  versions = createFileModelVersionRegistry({ root: join(dir, 'registry'), seed: join(MODELS_DIR, 'registry.json') }, { logger: silent, metrics: new Registry() });
  await versions.start();
  const onnx = await versions.artifact('fraud_score', '1', 'model.onnx');
  const base = { name: 'fraud_score', flavor: 'gradient_boosting', featureNames: ['amount_log'], outputNames: ['probability'], description: 'candidate', artifacts: { 'model.onnx': onnx } };
  const lineage = { tables: [{ name: 'silver.payments', version: 7 }], featureViews: ['user_payment_velocity'], codeVersion: 'c0ffee1', trainingRows: 5000, dataFrom: '2026-11-01T00:00:00.000Z', dataTo: '2026-11-30T00:00:00.000Z' };
  // v2 passes the fraud gate, v3 fails it on recall
  await versions.createVersion({ ...base, params: { n_trees: 100, balanced: true, loss: 'log_loss' }, metrics: { precision: 0.91, recall: 0.82, f1: 0.862659 }, baselines: { rules_f1: 0.816112 }, lineage });
  await versions.createVersion({ ...base, params: { n_trees: 10 }, metrics: { precision: 0.95, recall: 0.4, f1: 0.562963 }, baselines: { rules_f1: 0.816112 }, lineage });
  server = await startModelsSubgraph({ modelRuntime: runtime, registry, versions, logger: silent, port: 0 });
});
after(async () => {
  await server.close();
  await versions.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('models subgraph: the registry', () => {
  void it('lists registered models with versions, aliases and the champion\'s card fields', async () => {
    const data = await gqlData<{ models: { name: string; version: string; stage: string; loaded: boolean; aliases: { alias: string; version: string }[]; champion: { version: string } | null; latestVersion: { version: string }; versions: { version: string; stage: string }[] }[] }>(
      server.url, '{ models { name version stage loaded aliases { alias version } champion { version } latestVersion { version } versions { version stage } } }',
    );
    assert.deepEqual(data.models.map((m) => m.name), ['credit_default', 'demand_forecast', 'fraud_score', 'surge_multiplier']);
    const fraud = data.models.find((m) => m.name === 'fraud_score');
    assert.deepEqual(fraud, {
      name: 'fraud_score', version: '1', stage: 'PRODUCTION', loaded: true, aliases: [{ alias: 'champion', version: '1' }], champion: { version: '1' }, latestVersion: { version: '3' },
      versions: [{ version: '1', stage: 'PRODUCTION' }, { version: '2', stage: 'NONE' }, { version: '3', stage: 'NONE' }],
    });
  });

  void it('modelVersion: params, metrics apart from baselines, lineage and the gate of one version', async () => {
    const { v2, none, seeded } = await gqlData<{ v2: VersionView; none: null; seeded: VersionView }>(
      server.url, `{ v2: modelVersion(name: "fraud_score", version: "2") { ${VERSION_FIELDS} } none: modelVersion(name: "fraud_score", version: "99") { version } seeded: modelVersion(name: "surge_multiplier", version: "1") { ${VERSION_FIELDS} } }`,
    );
    assert.equal(none, null);
    assert.deepEqual(v2.params, [{ name: 'n_trees', value: '100', type: 'NUMBER' }, { name: 'balanced', value: 'true', type: 'BOOLEAN' }, { name: 'loss', value: 'log_loss', type: 'STRING' }]);
    assert.deepEqual(v2.metrics, [{ name: 'precision', value: 0.91 }, { name: 'recall', value: 0.82 }, { name: 'f1', value: 0.862659 }]);
    assert.deepEqual(v2.baselines, [{ name: 'rules_f1', value: 0.816112 }]);
    assert.deepEqual(v2.lineage, { tables: [{ name: 'silver.payments', version: 7 }], featureViews: ['user_payment_velocity'], codeVersion: 'c0ffee1', trainingRows: 5000, dataFrom: '2026-11-01T00:00:00.000Z', dataTo: '2026-11-30T00:00:00.000Z' });
    assert.deepEqual(v2.gate, { passed: true, failures: [] });
    assert.equal(v2.loaded, false);
    assert.deepEqual(v2.artifactPaths, ['model.onnx']);
    // seeded from models/registry.json: the card's baselines are apart from its metrics
    assert.ok(seeded.baselines.some((b) => b.name === 'baseline_rmse'));
    assert.ok(!seeded.metrics.some((m) => m.name === 'baseline_rmse'));
    assert.equal(seeded.flavor, 'linear_regression');
    assert.deepEqual(seeded.aliases, ['champion']);
  });

  void it('promoteModel refuses a version that fails its gate with MODEL_GATE_FAILED; the champion stays', async () => {
    const r = await gql(server.url, PROMOTE, { name: 'fraud_score', version: '3', alias: 'champion' });
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'MODEL_GATE_FAILED');
    assert.match(r.body.errors?.[0]?.message ?? '', /recall 0\.4 is not >= 0\.7/);
    assert.equal(r.body.data, null);
    assert.equal((await versions.byAlias('fraud_score', 'champion'))?.version, '1');
    assert.equal((await versions.version('fraud_score', '3')).stage, 'None');
  });

  void it('promoteModel moves challenger freely and champion through the gate, stages in step', async () => {
    const challenger = await gqlData<{ promoteModel: { version: string; stage: string; aliases: string[] } }>(server.url, PROMOTE, { name: 'fraud_score', version: '3', alias: 'challenger' });
    assert.deepEqual(challenger.promoteModel, { version: '3', stage: 'NONE', aliases: ['challenger'] });
    const champion = await gqlData<{ promoteModel: { version: string; stage: string; aliases: string[] } }>(server.url, PROMOTE, { name: 'fraud_score', version: '2', alias: 'champion' });
    assert.deepEqual(champion.promoteModel, { version: '2', stage: 'PRODUCTION', aliases: ['champion'] });
    const { model } = await gqlData<{ model: { version: string; champion: { version: string }; challenger: { version: string }; versions: { version: string; stage: string; aliases: string[] }[] } }>(
      server.url, '{ model(name: "fraud_score") { version champion { version } challenger { version } versions { version stage aliases } } }',
    );
    assert.deepEqual(model, {
      version: '2', champion: { version: '2' }, challenger: { version: '3' },
      versions: [{ version: '1', stage: 'ARCHIVED', aliases: [] }, { version: '2', stage: 'PRODUCTION', aliases: ['champion'] }, { version: '3', stage: 'NONE', aliases: ['challenger'] }],
    });
  });

  void it('promoteModel: an unknown version is MODEL_NOT_FOUND, a reserved alias BAD_USER_INPUT', async () => {
    const unknown = await gql(server.url, PROMOTE, { name: 'fraud_score', version: '42', alias: 'champion' });
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'MODEL_NOT_FOUND');
    for (const alias of ['latest', 'v2', 'no spaces']) {
      const bad = await gql(server.url, PROMOTE, { name: 'fraud_score', version: '2', alias });
      assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', alias);
    }
  });
});
