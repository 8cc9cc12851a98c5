/**
 * The ModelVersionRegistry conformance suite against the in-memory reference and the file registry
 * (the MLflow registry: test/integration/mlflow-model-registry.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createFileModelVersionRegistry } from '../../connectors/embedded/file-model-version-registry.ts';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import { modelVersionRegistryConformance } from './model-version-registry.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });

let memory: ModelVersionRegistry | undefined;
// one store: both "instances" are the same object (nothing else can share its memory)
modelVersionRegistryConformance('memory', async (gates) => (memory ??= createMemoryModelRegistry(gates)));
modelVersionRegistryConformance('file', async (gates) => createFileModelVersionRegistry({ root: join(root, 'registry') }, ctx(), gates));
