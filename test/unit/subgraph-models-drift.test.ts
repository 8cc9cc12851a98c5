/** `driftReports(model, last)` of the models subgraph over real HTTP, reading `ml.drift_reports` in a local lake. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import { detectDrift } from '../../jobs/drift/detector.ts';
import { appendDriftReport, lakeDriftReportReader } from '../../jobs/drift/drift-reports-table.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startModelsSubgraph } from '../../subgraphs/models/index.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';
import { gql, gqlData, silent } from './subgraph-fixtures.ts';
import { seededVersions } from './model-versions-fixture.ts';

const QUERY = `query($model: String!, $last: Int) { driftReports(model: $model, last: $last) {
  runId model modelVersion logicalDate checkedAt windowSource datasetDrift driftedColumns columnCount share driftShare referenceRows currentRows
  columns { column kind stattest score threshold drifted psi referenceRows currentRows referenceMean currentMean }
  prediction { column kind stattest drifted } } }`;

interface Report {
  runId: string; model: string; modelVersion: string; logicalDate: string; checkedAt: string; windowSource: string; datasetDrift: boolean; driftedColumns: number; columnCount: number; share: number;
  columns: { column: string; kind: string; stattest: string; score: number; threshold: number; drifted: boolean; psi: number; referenceMean: number | null }[];
  prediction: { column: string; kind: string; stattest: string; drifted: boolean } | null;
}

void describe('models subgraph: driftReports', () => {
  let f: LakeFixture;
  let runtime: ModelRuntime;
  let server: SubgraphServer;

  before(async () => {
    f = await lakeFixture();
    const rng = createPrng(5);
    const col = (n: number, mu: number): number[] => Array.from({ length: n }, () => rng.normal(mu, 1));
    const cat = (n: number, p: number): string[] => Array.from({ length: n }, () => (rng.next() < p ? 'crypto' : rng.next() < 0.5 ? 'card' : 'cash'));
    const reference = { amount: col(500, 0), hour: col(500, 0), method: cat(500, 0.05), score: col(500, 0) };
    const base = { model: 'fraud_score', modelVersion: '3', windowSource: 'prediction_log' };
    await appendDriftReport(f.lake, { ...base, runId: 'run-1', logicalDate: '2026-05-01', checkedAt: Date.parse('2026-05-01T03:00:00Z') }, detectDrift(reference, { amount: col(400, 0), hour: col(400, 0), method: cat(400, 0.05), score: col(400, 0) }, { predictionColumn: 'score' }));
    await appendDriftReport(f.lake, { ...base, runId: 'run-2', logicalDate: '2026-05-02', checkedAt: Date.parse('2026-05-02T03:00:00Z') }, detectDrift(reference, { amount: col(400, 1), hour: col(400, 0), method: cat(400, 0.5), score: col(400, 1) }, { predictionColumn: 'score' }));
    runtime = createOnnxModelRuntime({}, { logger: silent, metrics: new Registry() });
    await runtime.start();
    const registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
    server = await startModelsSubgraph({ modelRuntime: runtime, registry, versions: await seededVersions(registry), logger: silent, port: 0, driftReports: lakeDriftReportReader(f.lake) });
  });

  after(async () => {
    await server.close();
    await runtime.close();
    await f.close();
  });

  void it('serves the runs newest first with each column\'s test, PSI and the dataset decision', async () => {
    const data = await gqlData<{ driftReports: Report[] }>(server.url, QUERY, { model: 'fraud_score' });
    assert.deepEqual(data.driftReports.map((r) => [r.runId, r.logicalDate, r.datasetDrift]), [['run-2', '2026-05-02', true], ['run-1', '2026-05-01', false]]);
    const [latest] = data.driftReports;
    assert.ok(latest);
    assert.equal(latest.checkedAt, '2026-05-02T03:00:00.000Z');
    assert.deepEqual([latest.modelVersion, latest.windowSource, latest.columnCount, latest.driftedColumns], ['3', 'prediction_log', 3, 2]);
    assert.deepEqual(latest.columns.map((c) => [c.column, c.kind, c.stattest, c.drifted]), [
      ['amount', 'NUMERICAL', 'ks', true], ['hour', 'NUMERICAL', 'ks', false], ['method', 'CATEGORICAL', 'chisquare', true],
    ]);
    assert.ok(latest.columns.every((c) => Number.isFinite(c.psi) && c.threshold === 0.05));
    assert.equal(latest.columns.find((c) => c.column === 'method')?.referenceMean, null);
    assert.deepEqual(latest.prediction, { column: 'score', kind: 'NUMERICAL', stattest: 'ks', drifted: true });
  });

  void it('honours `last`, refuses a bad one with BAD_USER_INPUT, and has nothing for a model never checked', async () => {
    const one = await gqlData<{ driftReports: Report[] }>(server.url, QUERY, { model: 'fraud_score', last: 1 });
    assert.deepEqual(one.driftReports.map((r) => r.runId), ['run-2']);
    const bad = await gql(server.url, QUERY, { model: 'fraud_score', last: 0 });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad.body));
    const none = await gqlData<{ driftReports: Report[] }>(server.url, QUERY, { model: 'surge_multiplier' });
    assert.deepEqual(none.driftReports, []);
  });
});
