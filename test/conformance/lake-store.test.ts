/** The LakeStore conformance suite against the local-disk store (the S3 store: test/integration/lake-s3.test.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { lakeStoreConformance } from './lake-store.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-lake-'));
after(() => rmSync(root, { recursive: true, force: true }));

lakeStoreConformance('local', async () => createLocalLakeStore({ root: join(root, 'lake') }, { logger: pino({ level: 'silent' }), metrics: new Registry() }));
