/**
 * The `tracing` config (gateway/plugins/tracing-config.ts): off by default with a collector-shaped
 * default endpoint; the standard OpenTelemetry variables turn it on and point it; a bad value is a
 * CONFIG_INVALID naming the key; the traced connector proxy keeps the connector's own members.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../bin/config.ts';
import { tracedConnector } from '../../connectors/support/tracing.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { fixtureWarehouse } from './subgraph-fixtures.ts';

void describe('tracing config', () => {
  void it('is off by default', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.tracing.enabled, false);
    assert.equal(c.tracing.otlp.endpoint, 'http://127.0.0.1:4318/v1/traces');
    assert.equal(c.tracing.sampleRatio, 1);
    assert.equal(c.tracing.serviceName, 'gofuture');
  });

  void it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT turn it on; OTEL_SDK_DISABLED keeps it off', () => {
    const traces = loadConfig({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces', OTEL_SERVICE_NAME: 'gf-eu' } });
    assert.equal(traces.tracing.enabled, true);
    assert.equal(traces.tracing.otlp.endpoint, 'http://collector:4318/v1/traces');
    assert.equal(traces.tracing.serviceName, 'gf-eu');
    const base = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' } });
    assert.equal(base.tracing.otlp.endpoint, 'http://collector:4318/v1/traces');
    assert.equal(loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' } }).tracing.enabled, false);
    const fromFile = loadConfig({ env: {}, overrides: { tracing: { enabled: true, sampleRatio: 0.25, otlp: { headers: { 'x-api-key': 'k' } } } } });
    assert.equal(fromFile.tracing.sampleRatio, 0.25);
    assert.deepEqual(fromFile.tracing.otlp.headers, { 'x-api-key': 'k' });
  });

  void it('a bad value names the key', () => {
    assert.throws(() => loadConfig({ env: {}, overrides: { tracing: { sampleRatio: 2 } } }), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID' && /tracing\.sampleRatio/.test(e.message));
    assert.throws(() => loadConfig({ env: {}, overrides: { tracing: { otlp: { endpoint: 'not a url' } } } }), (e: unknown) => isPlatformError(e) && /tracing\.otlp\.endpoint/.test(e.message));
  });
});

void describe('traced connector', () => {
  void it('is the same connector: capability, kind, getters and methods bound to the original', async () => {
    const raw = await fixtureWarehouse();
    try {
      const w = tracedConnector(raw);
      assert.equal(w.capability, 'warehouse');
      assert.equal(w.kind, raw.kind);
      assert.equal(w.dialect, raw.dialect);
      assert.deepEqual(await w.query('SELECT 2 AS two'), await raw.query('SELECT 2 AS two'));
      assert.equal((await w.health()).ok, true);
    } finally {
      await raw.close();
    }
  });
});
