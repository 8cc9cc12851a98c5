/**
 * The SchemaRegistry conformance suite against the in-process registry (Apicurio's Confluent-
 * compatible API: test/integration/schema-registry-apicurio.test.ts).
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemorySchemaRegistry } from '../../connectors/schema-registry/memory-schema-registry.ts';
import { schemaRegistryConformance } from './schema-registry.suite.ts';

schemaRegistryConformance('memory', async () => {
  const r = new MemorySchemaRegistry({ compatibility: 'BACKWARD' }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
  await r.start();
  return r;
});
