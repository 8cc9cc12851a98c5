/**
 * The feature view definitions hold together: one definition feeds offline and online, so the views
 * the streaming job keeps name the online features of schema/features.ts with their entity and TTL,
 * every view reads a model the SQL project builds, and names are unique.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProject } from '../../jobs/models-sql/project.ts';
import { FEATURES } from '../../schema/features.ts';
import { ENTITIES, FEATURE_VIEWS } from '../../schema/features/index.ts';

void describe('feature views', () => {
  void it('stream-kept views are exactly the online features of schema/features.ts', () => {
    const streamed = FEATURE_VIEWS.filter((v) => v.stream).flatMap((v) => v.schema.map((f) => ({ name: f.name, entity: v.entity, ttlMs: v.ttlMs, int: f.dtype === 'int64' })));
    assert.deepEqual(
      streamed.map((f) => f.name).sort(),
      FEATURES.map((f) => f.name).sort(),
    );
    for (const f of streamed) {
      const def = FEATURES.find((d) => d.name === f.name);
      assert.equal(def?.entity, f.entity, f.name);
      assert.equal(def?.ttlMs, f.ttlMs, f.name);
      assert.equal(def?.valueType === 'int', f.int, f.name);
    }
  });

  void it('every view reads a model of lake/models, with a known entity; names are unique', async () => {
    const project = await loadProject(join(import.meta.dirname, '..', '..', 'lake', 'models'));
    for (const v of FEATURE_VIEWS) {
      const model = project.model(v.source.table);
      assert.ok(model, `${v.name}: ${v.source.table} is a SQL model`);
      assert.ok(ENTITIES.some((e) => e.name === v.entity));
      assert.ok(model.sql.includes('event_timestamp') && model.sql.includes('created_timestamp'), v.name);
      for (const f of v.schema) assert.match(model.sql, new RegExp(`\\b${f.name}\\b`), `${v.name}: ${f.name} in ${model.file}`);
    }
    const names = FEATURE_VIEWS.flatMap((v) => v.schema.map((f) => f.name));
    assert.equal(new Set(names).size, names.length, 'feature names unique across views (the default output names)');
    assert.equal(new Set(FEATURE_VIEWS.map((v) => v.name)).size, FEATURE_VIEWS.length);
  });
});
