/** models.serving in the platform config: traffic policies, poll, log and quality settings are validated with a clear key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../bin/config.ts';

void describe('models.serving config', () => {
  void it('defaults to champion-only serving with the prediction log on', () => {
    const c = loadConfig({ env: {}, overrides: { dataDir: '/tmp/gofuture-serving-config' } });
    assert.deepEqual(c.models.serving.traffic, {});
    assert.equal(c.models.serving.aliasPollMs, 5000);
    assert.deepEqual(c.models.serving.predictionLog, { enabled: true, flushMs: 1000, batchRows: 500, maxBuffered: 20_000 });
    assert.equal(c.models.serving.quality.minLabels, 50);
  });

  void it('takes a canary weight or a shadow mode per model', () => {
    const c = loadConfig({ env: {}, overrides: { models: { serving: { traffic: { fraud_score: { mode: 'canary', canaryWeight: 0.1 }, credit_default: { mode: 'shadow' } } } } } });
    assert.deepEqual(c.models.serving.traffic, { fraud_score: { mode: 'canary', canaryWeight: 0.1 }, credit_default: { mode: 'shadow', canaryWeight: 0 } });
    assert.equal(c.models.registry, 'models/registry.json');
  });

  void it('refuses a weight outside 0..1 naming the key', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { models: { serving: { traffic: { fraud_score: { mode: 'canary', canaryWeight: 1.5 } } } } } }),
      (e: unknown) => e instanceof Error && /models\.serving\.traffic\.fraud_score\.canaryWeight/.test(e.message),
    );
  });
});
