/**
 * A child process of file-model-version-registry.test.ts: opens the file registry at argv[2] and
 * creates argv[4] versions of model argv[3], pointing its own alias argv[5] at each as it goes.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createFileModelVersionRegistry } from '../../connectors/embedded/file-model-version-registry.ts';

const [root, name, count, alias] = process.argv.slice(2);
if (!root || !name || !count || !alias) throw new Error('usage: file-registry-writer ROOT NAME COUNT ALIAS');
const reg = createFileModelVersionRegistry({ root }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
await reg.start();
const made: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const v = await reg.createVersion({
    name, flavor: 'test', featureNames: ['x'], outputNames: ['y'], params: { writer: alias, i }, metrics: {}, baselines: {},
    lineage: { tables: [], featureViews: [], codeVersion: 'unknown' }, description: `${alias} ${i}`,
    artifacts: { 'model.onnx': new TextEncoder().encode(`${alias}-${i}`) },
  });
  await reg.setAlias(name, alias, v.version);
  made.push(v.version);
}
await reg.close();
process.stdout.write(`${JSON.stringify(made)}\n`);
