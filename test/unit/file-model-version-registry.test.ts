/**
 * What the file ModelVersionRegistry adds to the conformance suite: two processes writing one
 * registry folder at once lose nothing (distinct versions, every alias update kept), a fresh
 * registry is seeded from models/registry.json once even when two instances start together, and the
 * platform config opens it under <dataDir>/registry (bin/model-version-registry.ts); a seeded
 * champion reads back, as a runtime card, as the models/registry.json card it came from.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { openModelVersionRegistry } from '../../bin/model-version-registry.ts';
import { createFileModelVersionRegistry } from '../../connectors/embedded/file-model-version-registry.ts';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { versionCard } from '../../connectors/support/model-version-card.ts';
import { withCode } from '../conformance/helpers.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gofuture-file-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });
const MODELS = ['credit_default', 'demand_forecast', 'fraud_score', 'surge_multiplier'];

void describe('file ModelVersionRegistry', () => {
  void it('two processes creating versions and moving aliases at once lose nothing', async () => {
    const root = join(dir, 'two-writers');
    const writer = join(import.meta.dirname, 'file-registry-writer.ts');
    const outs = await Promise.all(['a', 'b'].map((alias) => run(process.execPath, [writer, root, 'racy', '6', alias])));
    const made = outs.map((o) => JSON.parse(o.stdout) as string[]);
    assert.deepEqual(made.flat().map(Number).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const reg = createFileModelVersionRegistry({ root }, ctx());
    await reg.start();
    for (const [i, alias] of ['a', 'b'].entries()) {
      assert.equal((await reg.byAlias('racy', alias))?.version, made[i]?.at(-1), `alias ${alias} holds its writer's last version`);
    }
    for (const v of await reg.versions('racy')) {
      const { writer: w, i } = v.params as { writer: string; i: number };
      assert.equal(new TextDecoder().decode(await reg.artifact('racy', v.version, 'model.onnx')), `${w}-${i}`, `version ${v.version} holds its own bytes`);
    }
    await reg.close();
  });

  void it('seeds a fresh registry from models/registry.json once, with champions', async () => {
    const root = join(dir, 'seeded');
    const [a, b] = [createFileModelVersionRegistry({ root, seed: 'models/registry.json' }, ctx()), createFileModelVersionRegistry({ root, seed: 'models/registry.json' }, ctx())];
    await Promise.all([a.start(), b.start()]);
    assert.deepEqual(await a.models(), MODELS);
    for (const name of MODELS) {
      const list = await b.versions(name);
      assert.equal(list.length, 1, `${name} seeded once`);
      assert.deepEqual(list[0]?.aliases, ['champion']);
      assert.equal(list[0]?.stage, 'Production');
    }
    await a.close();
    await b.close();
  });

  void it('the platform config opens it under <dataDir>/registry; a wrong value names the key', async () => {
    const dataDir = join(dir, 'platform');
    const config = loadConfig({ env: {}, overrides: { dataDir } });
    assert.deepEqual(config.connectors.modelVersionRegistry, { kind: 'file', root: join(dataDir, 'registry'), seed: 'models/registry.json' });
    const reg = await openModelVersionRegistry(config, ctx());
    assert.equal(reg.kind, 'file');
    assert.equal((await reg.byAlias('fraud_score', 'champion'))?.version, '1');
    await reg.close();
    const bad = loadConfig({ env: {}, overrides: { dataDir, connectors: { modelVersionRegistry: { kind: 'file', root: dataDir, lockTimeoutMs: 5 } } } });
    await assert.rejects(openModelVersionRegistry(bad, ctx()), (e: unknown) => withCode('CONFIG_INVALID')(e) && /connectors\.modelVersionRegistry\.lockTimeoutMs/.test((e as Error).message));
    const services = loadConfig({ profile: 'services', env: { MLFLOW_URL: 'http://127.0.0.1:25999' }, overrides: { dataDir } });
    assert.deepEqual(services.connectors.modelVersionRegistry, { kind: 'mlflow', url: 'http://127.0.0.1:25999', seed: 'models/registry.json' });
  });
});

void describe('a registry version as a runtime card', () => {
  void it('the seeded champion reads back as the models/registry.json card it came from', async () => {
    const cards = await loadModelRegistry('models/registry.json');
    const reg = createFileModelVersionRegistry({ root: join(dir, 'cards'), seed: 'models/registry.json' }, ctx());
    await reg.start();
    for (const name of MODELS) {
      const champion = await reg.byAlias(name, 'champion');
      assert.ok(champion);
      const { file: _f, ...card } = versionCard(champion);
      const { file: _g, ...original } = cards.production(name) ?? assert.fail(`${name} has a Production card`);
      assert.deepEqual(card, original);
    }
    await reg.close();
  });
});
