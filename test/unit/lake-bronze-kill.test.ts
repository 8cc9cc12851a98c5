/**
 * Bronze exactly once across kill -9: the job (a child process) is killed twice while it writes,
 * restarted each time, and at the end every record of every topic is in bronze exactly once, with
 * the value the log holds at that position.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { bronzeTableFor } from '../../jobs/lake/bronze-tables.ts';
import { resolveRelation, type LakeTables } from '../../jobs/lake/delta/index.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { waitFor } from '../conformance/helpers.ts';
import { Child } from '../support/lake/child-process.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const CHILD = join(import.meta.dirname, '..', 'support', 'lake', 'bronze-child.ts');
const TOPIC_SPECS = [TOPICS.booking, TOPICS.payment, TOPICS.deadLetter];
const PER_TOPIC = 1500;

void describe('bronze job killed with kill -9', () => {
  let f: LakeFixture;
  let logDir: string;
  const expected = new Map<string, string>();
  let reader: LakeTables | undefined;
  before(async () => {
    f = await lakeFixture();
    logDir = join(f.root, 'event-log');
    const log = createMemoryEventLog({ dir: logDir }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    await log.start();
    await log.ensureTopics(TOPIC_SPECS);
    for (const t of TOPIC_SPECS) {
      const recs = Array.from({ length: PER_TOPIC }, (_, i) => ({ key: `k${i % 11}`, value: JSON.stringify({ topic: t.name, i }) }));
      const pub = await log.publish(t.name, recs);
      pub.forEach((p, i) => expected.set(`${t.name}/${p.partition}/${p.offset}`, recs[i]?.value ?? ''));
    }
    await log.close();
  });
  after(async () => {
    await f.close();
  });

  /** Rows committed, from the snapshots' stats (cheap: no data read while the child works). */
  async function committed(): Promise<number> {
    reader ??= f.reopen();
    let n = 0;
    for (const t of TOPIC_SPECS) {
      const table = reader.table(bronzeTableFor(t.name));
      if (await table.exists()) n += (await table.snapshot()).numRecords;
    }
    return n;
  }

  async function rows(fresh = false): Promise<Record<string, unknown>[]> {
    reader = fresh || !reader ? f.reopen() : reader;
    const out: Record<string, unknown>[] = [];
    for (const t of TOPIC_SPECS) {
      if (!(await reader.table(bronzeTableFor(t.name)).exists())) continue;
      const { sql } = await resolveRelation(reader, bronzeTableFor(t.name));
      out.push(...await query(f.conn, `SELECT topic, "partition", "offset", value FROM ${sql}`));
    }
    return out;
  }

  void it('every record lands once after two kills and restarts', async () => {
    const args = (i: number): string[] => [logDir, f.lakeRoot, join(f.root, `scratch-${i}`), TOPIC_SPECS.map((t) => t.name).join(',')];
    const total = PER_TOPIC * TOPIC_SPECS.length;
    for (const [i, atLeast] of [[0, 300], [1, 1500]] as const) {
      const child = new Child(CHILD, args(i));
      await child.waitForLine('started', (l) => l === 'started');
      await waitFor(`${atLeast} rows in bronze`, async () => (await committed()) >= atLeast, { timeoutMs: 120_000, intervalMs: 100 });
      await child.kill9();
      const now = await rows(true);
      assert.equal(new Set(now.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).size, now.length, `after kill ${i + 1}: no record twice`);
    }
    const last = new Child(CHILD, args(2));
    await last.waitForLine('started', (l) => l === 'started');
    let count = 0;
    await waitFor(`every record in bronze (${total})`, async () => (count = await committed()) >= total, { timeoutMs: 300_000, intervalMs: 200 }).catch((e: Error) => {
      throw new Error(`${e.message}: ${count} there; child stdout: ${last.lines.slice(-3).join(' | ')}; stderr: ${last.stderr.slice(-1000)}`);
    });
    assert.equal(await last.term(), 0);
    const all = await rows(true);
    assert.equal(all.length, total);
    const seen = new Set<string>();
    for (const r of all) {
      const pos = `${r.topic}/${r.partition}/${r.offset}`;
      assert.ok(!seen.has(pos), `${pos} twice`);
      seen.add(pos);
      assert.equal(r.value, expected.get(pos), `${pos} holds the log's value`);
    }
    assert.equal(seen.size, expected.size);
  });
});
