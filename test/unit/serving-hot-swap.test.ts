/**
 * Hot swap under load: many concurrent predictions over HTTP while the champion alias moves to a
 * new version. No request fails or is lost, answers switch to the new version, and the old
 * version leaves the runtime once its in-flight runs are done.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../conformance/helpers.ts';
import { gql } from '../unit/subgraph-fixtures.ts';
import { servingFixture, type ServingFixture } from '../support/serving/serving-fixture.ts';

const FRAUD = `mutation($input: FraudInput!) { scoreFraud(input: $input) { paymentId probability model { version alias variant } } }`;

interface Answer { status?: number; data?: { scoreFraud: { paymentId: string; probability: number; model: { version: string; alias: string; variant: string } } } | null; errors?: unknown[] }

const ask = async (url: string, i: number): Promise<Answer> => {
  const r = await gql(url, FRAUD, { input: input(i) });
  return { ...(r.body as Answer), status: r.status };
};

const input = (i: number) => ({ paymentId: `swap-${i}`, amount: 50 + (i % 200) * 40, method: i % 5 === 0 ? 'CRYPTO' : 'CARD', regionId: 'msk-center', at: '2024-05-01T10:00:00Z' });

void describe('hot swap of the champion', () => {
  let f: ServingFixture;
  before(async () => {
    f = await servingFixture();
  });
  after(async () => {
    await f.close();
  });

  void it('promotes a new champion while 400 predictions are in flight: none fails, answers move to the new version, the old one is unloaded', async () => {
    const v2 = await f.addVersion('fraud_score');
    const answers: Answer[] = [];
    const sent: Promise<void>[] = [];
    let swapped: Promise<void> | null = null;
    let inFlightAtSwap = 0;
    for (let i = 0; i < 400; i++) {
      sent.push(ask(f.server.url, i).then((a) => { answers[i] = a; }));
      if (i === 150) {
        // the registry moves the alias; serving picks it up on its next poll (here: at once)
        swapped = f.versions.setAlias('fraud_score', 'champion', v2).then(() => f.server.serving.models.refresh()).then(() => {
          inFlightAtSwap = sent.length - answers.filter(Boolean).length;
        });
      }
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(sent);
    await swapped;
    assert.equal(answers.filter(Boolean).length, 400, 'every request answered');
    assert.ok(inFlightAtSwap > 0, 'the swap happened with requests in flight');
    const failed = answers.filter((a) => a.status !== 200 || a.errors !== undefined || !a.data?.scoreFraud);
    assert.deepEqual(failed, [], 'no request failed');
    for (const [i, a] of answers.entries()) assert.equal(a.data?.scoreFraud.paymentId, `swap-${i}`);
    const versions = new Set(answers.map((a) => a.data?.scoreFraud.model.version));
    assert.ok(versions.has('1'), 'requests before the swap answered by version 1');

    const after = await ask(f.server.url, 7);
    assert.deepEqual(after.data?.scoreFraud.model, { version: v2, alias: 'champion', variant: 'CHAMPION' });
    assert.equal(after.data?.scoreFraud.probability, answers[7]?.data?.scoreFraud.probability, 'same ONNX file, same score');
    await waitFor('version 1 unloaded', () => !f.runtime.loaded().some((c) => c.name === 'fraud_score' && c.version === '1'));
    assert.ok(f.runtime.loaded().some((c) => c.name === 'fraud_score' && c.version === v2));
    assert.equal(f.server.serving.models.current('fraud_score', 'champion')?.version, v2);
    const logged = f.sink.records.filter((r) => r.model === 'fraud_score');
    assert.equal(logged.length, 401, 'every prediction logged once');
  });

  void it('keeps serving the old champion when the new version cannot be loaded', async () => {
    const before = f.server.serving.models.current('fraud_score', 'champion')?.version;
    // a version whose artifact is not an ONNX model
    const bad = await f.versions.createVersion({
      name: 'fraud_score', flavor: 'onnx', featureNames: ['x'], outputNames: ['probability'], params: {},
      metrics: { ...f.cards.production('fraud_score')?.metrics }, baselines: {}, lineage: { tables: [], featureViews: [], codeVersion: 'test' },
      description: 'broken', artifacts: { 'model.onnx': new TextEncoder().encode('not onnx') },
    });
    await f.versions.setAlias('fraud_score', 'champion', bad.version);
    await f.server.serving.models.refresh();
    assert.equal(f.server.serving.models.current('fraud_score', 'champion')?.version, before);
    const a = await ask(f.server.url, 1);
    assert.equal(a.errors, undefined);
    assert.equal(a.data?.scoreFraud.model.version, before);
  });
});
