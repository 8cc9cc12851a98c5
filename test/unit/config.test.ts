import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, merge } from '../../bin/config.ts';
import { PlatformError } from '../../schema/errors.ts';

void describe('platform config', () => {
  void it('fills the embedded defaults and freezes the result', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.profile, 'embedded');
    assert.equal(c.gateway.port, 4000);
    assert.equal(c.connectors.warehouse.kind, 'duckdb');
    assert.deepEqual([...c.jobs], ['simulator', 'landing', 'features', 'aggregation', 'windows', 'orchestrator']);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.connectors.warehouse));
  });

  void it('takes PORT from the environment and flags over the file', () => {
    assert.equal(loadConfig({ env: { PORT: '4100' } }).gateway.port, 4100);
    assert.equal(loadConfig({ env: { PORT: '4100' }, overrides: { gateway: { port: 4200 } } }).gateway.port, 4200);
  });

  void it('switches every connector with the services profile', () => {
    const c = loadConfig({ profile: 'services', env: { KAFKA_BROKERS: 'a:1,b:2' } });
    assert.equal(c.connectors.eventLog.kind, 'kafka');
    assert.deepEqual(c.connectors.eventLog.brokers, ['a:1', 'b:2']);
    assert.equal(c.connectors.warehouse.kind, 'clickhouse');
    assert.equal(c.cdc.changeSource?.kind, 'postgres');
  });

  void it('replaces a connector whole when an override names another kind', () => {
    const c = loadConfig({ profile: 'services', env: {}, overrides: { connectors: { onlineStore: { kind: 'memory' } } } });
    assert.deepEqual({ ...c.connectors.onlineStore }, { kind: 'memory' });
    assert.deepEqual(merge({ a: { kind: 'x', url: 'u' } }, { a: { kind: 'x', n: 1 } }), { a: { kind: 'x', url: 'u', n: 1 } });
  });

  void it('names the key of a bad value', () => {
    assert.throws(() => loadConfig({ env: { PORT: 'abc' } }), (e: unknown) => e instanceof PlatformError && e.code === 'CONFIG_INVALID' && /gateway\.port/.test(e.message));
    assert.throws(() => loadConfig({ env: {}, overrides: { jobs: ['nope'] } }), (e: unknown) => e instanceof PlatformError && /jobs\.0/.test(e.message));
    assert.throws(() => loadConfig({ profile: 'cloud', env: {} }), (e: unknown) => e instanceof PlatformError && /profile/.test(e.message));
  });
});
