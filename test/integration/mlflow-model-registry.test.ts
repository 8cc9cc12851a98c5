/**
 * The MLflow ModelVersionRegistry against a real MLflow tracking server (`bash scripts/services.sh
 * up mlflow`; MLFLOW_URL, default http://127.0.0.1:15000): the registry conformance suite unchanged,
 * then what an MLflow user sees of a version (its run's params and metrics, MLflow's own alias and
 * stage) and the seeding from models/registry.json.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MlflowModelRegistry, mlflowModelRegistryConfigSchema } from '../../connectors/mlflow/index.ts';
import type { ModelGate } from '../../schema/model-gates.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { modelVersionRegistryConformance } from '../conformance/model-version-registry.suite.ts';

const MLFLOW_URL = process.env.MLFLOW_URL ?? 'http://127.0.0.1:15000';
const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });
const make = (gates?: Readonly<Record<string, ModelGate>>, extra: Record<string, unknown> = {}): MlflowModelRegistry =>
  new MlflowModelRegistry(mlflowModelRegistryConfigSchema.parse({ url: MLFLOW_URL, experiment: 'gofuture-conformance', ...extra }), ctx(), gates);

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${MLFLOW_URL}/api/2.0/mlflow/${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

before(async () => {
  const res = await fetch(`${MLFLOW_URL}/api/2.0/mlflow/registered-models/search?max_results=1`).catch((e: unknown) => {
    throw new Error(`MLflow is not reachable at ${MLFLOW_URL} (${String(e)}). Start it with \`bash scripts/services.sh up mlflow\` or set MLFLOW_URL.`);
  });
  assert.equal(res.status, 200);
});

modelVersionRegistryConformance(`mlflow (${MLFLOW_URL})`, async (gates) => make(gates));

void describe('MLflow registry as an MLflow user sees it', () => {
  void it('a version is a run with params and metrics, and champion is MLflow\'s alias with stage Production', async () => {
    const name = uniqueName('mlflow_view').toLowerCase();
    const reg = make({ [name]: { source: 'test', checks: [{ metric: 'rmse', op: '<=', baseline: 'baseline_rmse', factor: 0.8 }] } });
    await reg.start();
    const v = await reg.createVersion({
      name, flavor: 'gradient_boosting', featureNames: ['a'], outputNames: ['y'], params: { depth: 3 }, metrics: { rmse: 0.1 }, baselines: { baseline_rmse: 0.5 },
      lineage: { tables: [{ name: 'gold.demand_hourly', version: 4 }], featureViews: ['region_demand_1h'], codeVersion: 'deadbee' }, description: 'd',
      artifacts: { 'model.onnx': new Uint8Array([1, 2, 3]) },
    });
    await reg.setAlias(name, 'champion', v.version);
    const { model_version: mv } = await api<{ model_version: { run_id: string; current_stage: string; aliases?: string[] } }>(`model-versions/get?name=${name}&version=${v.version}`);
    assert.equal(mv.current_stage, 'Production');
    const alias = await api<{ model_version: { version: string } }>(`registered-models/alias?name=${name}&alias=champion`);
    assert.equal(alias.model_version.version, v.version);
    const { run } = await api<{ run: { data: { params: { key: string; value: string }[]; metrics: { key: string; value: number }[]; tags: { key: string; value: string }[] } } }>(`runs/get?run_id=${mv.run_id}`);
    assert.deepEqual(run.data.params, [{ key: 'depth', value: '3' }]);
    assert.deepEqual(Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])), { rmse: 0.1, 'baseline.baseline_rmse': 0.5 });
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.source.git.commit'], 'deadbee');
    assert.equal(tags['gofuture.table.gold.demand_hourly'], '4');
    await reg.close();
  });

  void it('seeds the committed models of models/registry.json with their champions, once', async () => {
    const reg = make(undefined, { seed: 'models/registry.json' });
    await reg.start();
    const again = make(undefined, { seed: 'models/registry.json' });
    await again.start();
    for (const name of ['fraud_score', 'surge_multiplier', 'demand_forecast', 'credit_default']) {
      const champion = await reg.byAlias(name, 'champion');
      assert.ok(champion, `${name} has a champion`);
      assert.equal(champion.stage, 'Production');
      assert.ok(champion.artifactPaths.includes('model.onnx'));
      assert.ok((await reg.artifact(name, champion.version, 'model.onnx')).byteLength > 100);
    }
    await reg.close();
    await again.close();
  });
});
