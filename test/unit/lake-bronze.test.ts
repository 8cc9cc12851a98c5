/** The bronze job on the embedded event log and a local lake: every record once, raw, with its position; resumes from the positions in the Delta log. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog, type MemoryEventLog } from '../../connectors/embedded/index.ts';
import { startBronzeJob } from '../../jobs/lake/bronze-job.ts';
import { bronzeTableFor, positionAppId } from '../../jobs/lake/bronze-tables.ts';
import { resolveRelation } from '../../jobs/lake/delta/index.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { waitFor } from '../conformance/helpers.ts';
import { lakeFixture, query, type LakeFixture } from '../support/lake/lake-fixture.ts';

const logger = pino({ level: 'silent' });
const topics = [TOPICS.booking.name, TOPICS.payment.name, TOPICS.deadLetter.name];

async function publish(log: MemoryEventLog, from: number, n: number): Promise<void> {
  for (const [i, topic] of topics.entries()) {
    await log.publish(topic, Array.from({ length: n }, (_, k) => ({
      key: `key-${(from + k) % 7}`, value: JSON.stringify({ n: from + k, topic }), headers: { 'x-test': `${i}` }, timestamp: 1714550400000 + from + k,
    })));
  }
}

async function bronzeRows(f: LakeFixture): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (const topic of topics) {
    if (!(await f.lake.table(bronzeTableFor(topic)).exists())) continue;
    const { sql } = await resolveRelation(f.lake, bronzeTableFor(topic));
    all.push(...await query(f.conn, `SELECT topic, "partition", "offset", key, value, headers, epoch_ms(record_timestamp) AS ts, ingest_date::VARCHAR AS d FROM ${sql}`));
  }
  return all;
}

void describe('bronze job', () => {
  let f: LakeFixture;
  let log: MemoryEventLog;
  before(async () => {
    f = await lakeFixture();
    log = createMemoryEventLog({}, { logger, metrics: new Registry() });
    await log.start();
    await log.ensureTopics([TOPICS.booking, TOPICS.payment, TOPICS.deadLetter]);
  });
  after(async () => {
    await log.close();
    await f.close();
  });

  void it('writes every record of every topic once, raw, with topic/partition/offset, headers and ingest date', async () => {
    await publish(log, 0, 200);
    const job = await startBronzeJob({ log, lake: f.lake, logger, metrics: new Registry(), topics, flushMs: 20, maxBatchSize: 37, now: () => Date.parse('2026-03-04T05:06:07Z') });
    await waitFor('600 rows in bronze', async () => (await bronzeRows(f)).length >= 600, { timeoutMs: 30_000 });
    await job.stop();
    const rows = await bronzeRows(f);
    assert.equal(rows.length, 600);
    assert.equal(new Set(rows.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).size, 600, 'no position twice');
    const sample = rows.find((r) => r.topic === TOPICS.payment.name && JSON.parse(String(r.value)).n === 5);
    assert.ok(sample);
    assert.equal(sample.key, 'key-5');
    assert.deepEqual(JSON.parse(String(sample.headers)), { 'x-test': '1' });
    assert.equal(Number(sample.ts), 1714550400005);
    assert.equal(sample.d, '2026-03-04');
    // the rows' positions are the log's own
    const p = Number(sample.partition);
    const [rec] = await log.read(TOPICS.payment.name, p, String(sample.offset), 1);
    assert.equal(rec?.value, sample.value);
    // positions in the Delta log: the last offset of every partition
    const snap = await f.lake.table(bronzeTableFor(TOPICS.booking.name)).snapshot();
    const end = await log.endOffsets(TOPICS.booking.name);
    for (const [part, e] of Object.entries(end)) {
      if (e === '0') continue;
      assert.equal(snap.txnVersion(positionAppId('lake-bronze', TOPICS.booking.name, Number(part))), Number(e) - 1);
    }
    assert.deepEqual(snap.partitionColumns, ['ingest_date']);
  });

  void it('on restart resumes after the positions the lake holds, even when the group offsets say otherwise', async () => {
    await publish(log, 200, 50);
    // the group "committed" past records the lake never got (a crash between the two)
    for (const topic of topics) await log.setOffsets('lake-bronze', topic, await log.endOffsets(topic));
    await publish(log, 250, 10);
    const job = await startBronzeJob({ log, lake: f.lake, logger, metrics: new Registry(), topics, flushMs: 20 });
    await waitFor('780 rows in bronze', async () => (await bronzeRows(f)).length >= 780, { timeoutMs: 30_000 });
    await job.stop();
    const rows = await bronzeRows(f);
    assert.equal(rows.length, 780);
    assert.equal(new Set(rows.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).size, 780);
    // and when the group is behind the lake (a crash after the commit, before the offset commit), nothing is written twice
    for (const topic of topics) await log.setOffsets('lake-bronze', topic, Object.fromEntries(Object.keys(await log.endOffsets(topic)).map((p) => [p, '0'])));
    const again = await startBronzeJob({ log, lake: f.lake, logger, metrics: new Registry(), topics, flushMs: 20 });
    await publish(log, 260, 1);
    await waitFor('783 rows in bronze', async () => (await bronzeRows(f)).length >= 783, { timeoutMs: 30_000 });
    await again.stop();
    assert.equal((await bronzeRows(f)).length, 783);
  });
});
