/**
 * bin/pipeline.ts gives daily_etl a real `features` task (materialize-incremental) when the process
 * has an online store, and keeps the declared placeholder when it has none (the pipeline CLI).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { openPipeline } from '../../bin/pipeline.ts';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';

void describe('daily_etl features task wiring', () => {
  void it('is materialisation with an online store, a placeholder without', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-features-wiring-'));
    const logger = pino({ level: 'silent' });
    const store = createMemoryOnlineStore({}, { logger, metrics: new Registry() });
    await store.start();
    try {
      const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
      const noop = async (c: Parameters<typeof openPipeline>[1]): Promise<boolean> => {
        const h = await openPipeline(config, c, logger, new Registry());
        try {
          const t = h.pipeline.orchestrator.dags().find((d) => d.id === 'daily_etl')?.tasks.find((x) => x.id === 'features');
          assert.ok(t, 'daily_etl has a features task');
          return t.noop === true;
        } finally {
          await h.stop();
        }
      };
      assert.equal(await noop({ onlineStore: store }), false);
      assert.equal(await noop({}), true);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
