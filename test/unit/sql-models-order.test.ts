/** Model order: after every model a model refs, and after the target of each of its relationships tests (the test reads it). */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadProject } from '../../jobs/models-sql/project.ts';

void describe('model dependency order', () => {
  let dir: string | null = null;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('builds a relationships target before the model testing against it; a cycle through a test is an error', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gofuture-model-order-'));
    await mkdir(join(dir, 'silver'));
    await writeFile(join(dir, 'sources.yml'), 'sources:\n  bronze:\n    tables:\n      raw: bronze.raw\n');
    await writeFile(join(dir, 'silver', 'a_labels.sql'), "SELECT 'u1' AS user_id, {{ var('logical_date') }} AS d");
    await writeFile(join(dir, 'silver', 'z_users.sql'), "SELECT 'u1' AS user_id, {{ var('logical_date') }} AS d");
    const schema = (extra: string): string => `models:
  - name: a_labels
    config: { partition_by: d }
    columns:
      - name: user_id
        tests:
          - relationships: { to: ref('z_users'), field: user_id }
  - name: z_users
    config: { partition_by: d }${extra}
`;
    await writeFile(join(dir, 'silver', 'schema.yml'), schema(''));
    const p = await loadProject(dir);
    assert.deepEqual(p.models.map((m) => m.name), ['silver.z_users', 'silver.a_labels']);
    assert.deepEqual(p.model('silver.a_labels')?.refs, [], 'a test target is an order edge, not a ref (lineage stays the SQL\'s)');
    await writeFile(join(dir, 'silver', 'schema.yml'), schema("\n    columns:\n      - name: user_id\n        tests:\n          - relationships: { to: ref('a_labels'), field: user_id }"));
    await assert.rejects(loadProject(dir), /dependency cycle/);
  });
});
