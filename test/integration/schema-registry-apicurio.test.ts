/**
 * The SchemaRegistry conformance suite against a real Confluent-compatible registry: Apicurio
 * Registry's ccompat API (SCHEMA_REGISTRY_URL, default http://127.0.0.1:18081/apis/ccompat/v7;
 * `bash scripts/services.sh up apicurio`), through the `confluent` connector. Subjects are unique per run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ConfluentSchemaRegistry } from '../../connectors/schema-registry/confluent-schema-registry.ts';
import { schemaRegistryConformance } from '../conformance/schema-registry.suite.ts';
import { withCode } from '../conformance/helpers.ts';
import { closedPort, requireSchemaRegistry, SCHEMA_REGISTRY_URL } from './support/services.ts';

const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });

schemaRegistryConformance('confluent REST (Apicurio ccompat)', async () => {
  await requireSchemaRegistry();
  const r = new ConfluentSchemaRegistry({ url: SCHEMA_REGISTRY_URL, compatibility: 'BACKWARD', requestTimeoutMs: 10_000, retry: { retries: 2, initialMs: 100, maxMs: 500 } }, ctx());
  await r.start();
  return r;
});

void describe('confluent schema registry specifics', () => {
  void it('start() fails with CONNECTOR_UNAVAILABLE naming the URL when nothing answers', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
    const r = new ConfluentSchemaRegistry({ url, requestTimeoutMs: 1_000, retry: { retries: 1, initialMs: 50, maxMs: 100 } }, ctx());
    await assert.rejects(r.start(), (e: unknown) => withCode('CONNECTOR_UNAVAILABLE')(e) && e instanceof Error && e.message.includes(url));
  });
});
