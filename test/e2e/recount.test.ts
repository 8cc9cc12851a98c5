/**
 * The recount test (issue 7): the embedded platform as a child process over a seeded simulated run
 * with late (reordered) events, malformed records, re-sent duplicates, a clean restart (SIGINT) and
 * a kill -9 (test/support/recount/scenario.ts). Then every figure the gateway serves is recounted
 * from the raw event log files with code written for this test only (test/support/recount/, no
 * import of the jobs' folds) and must be equal: trips and their statuses, tripStats by hour and day,
 * drivers and driverStats, payments with their fraud level, revenuePerDay, fraudSummary, region and
 * platform windows (final and live, by query and over graphql-ws), online features, and what `jobs`
 * says after the restarts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REGION_IDS } from '../../schema/regions.ts';
import { eventually } from './support.ts';
import { assertSameFigures, byKey, type Plain } from '../support/recount/compare.ts';
import {
  BUCKET_FIELDS, DRIVER_FIELDS, DRIVER_STAT_FIELDS, FEATURE_ENTITIES, PAYMENT_FIELDS, REVENUE_FIELDS, TRIP_FIELDS, WINDOW_FIELDS,
  bucketFigures, driverFigures, driverStatFigures, featureFigures, featureIds, fraudFigures, paymentFigures, recountAll, revenueFigures, servedWindowKey,
  tripFigures, windowFigures, type Recount,
} from '../support/recount/figures.ts';
import { partitionKey, readDeadLetters, readRawLog, type RawLog } from '../support/recount/raw-log.ts';
import { ALLOWED_LATENESS_MS, WINDOW_MINUTES, runScenario, type ScenarioResult } from '../support/recount/scenario.ts';
import {
  servedDrivers, servedDriversById, servedFeatures, servedJobs, servedPayments, servedRevenueAndFraud, servedTrips, servedTripStats, servedWindows,
} from '../support/recount/served.ts';

/** Polls a fingerprint of the served figures until two reads a second apart agree (bounded). */
async function settled(url: string): Promise<void> {
  let previous = '';
  await eventually('the served figures to stop changing', 60_000, async () => {
    const [trips, payments, windows, jobs] = await Promise.all([
      servedTrips(url).then((t) => t.totalCount),
      servedRevenueAndFraud(url, new Date(Date.now() - 30 * 86_400_000).toISOString(), new Date(Date.now() + 30 * 86_400_000).toISOString()).then((r) => r.perDay),
      servedWindows(url, [], [WINDOW_MINUTES[0]]),
      servedJobs(url).then((js) => js.map((j) => [j.job, j.state, j.processed])),
    ]);
    const now = JSON.stringify({ trips, payments, windows, jobs });
    const same = now === previous;
    previous = now;
    return same ? true : undefined;
  }, 1000);
}

void describe('recount: every figure the API serves equals a recount of the raw event log', () => {
  let dir = '';
  let run: ScenarioResult | null = null;
  let url = '';
  let log: RawLog;
  let r: Recount;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-recount-'));
    run = await runScenario(dir);
    url = run.final.url;
    await settled(url);
    log = await readRawLog(run.eventLogDir);
    r = recountAll(log, WINDOW_MINUTES, ALLOWED_LATENESS_MS);
  }, { timeout: 900_000 });

  after(async () => {
    if (run && !run.final.exited()) await run.final.interrupt();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('ran what it claims: clean stops, malformed records, re-sent duplicates, reordered payments', (t) => {
    assert.ok(run);
    assert.equal(run.exitCodes.a, 0, 'the SIGINT of instance A exits 0');
    assert.equal(run.exitCodes.c, 0, 'the SIGINT of instance C exits 0');
    assert.equal(run.exitCodes.d, 0, 'the SIGINT of instance D exits 0');
    assert.ok(log.malformed > 0, 'the log holds malformed records');
    assert.ok(log.duplicates > 0 && run.duplicatesAppended > 0, 'the log holds re-sent copies');
    const firstSeen = new Map<string, string>();
    for (const { event: e } of log.events) {
      if (e.event_type === 'PaymentInitiated' || e.event_type === 'PaymentCompleted') firstSeen.set(e.data.payment_id, firstSeen.get(e.data.payment_id) ?? e.event_type);
    }
    const reordered = [...firstSeen.values()].filter((x) => x === 'PaymentCompleted').length;
    t.diagnostic(`phases (s): ${JSON.stringify(run.phaseSeconds)}`);
    t.diagnostic(`events ${log.events.length}, malformed ${log.malformed}, copies ${log.duplicates}, late for the windows ${r.windows.late.size}, ` +
      `payments completed before initiated in the log ${reordered}, trips ${r.trips.size}, payments ${r.payments.size}`);
    assert.ok(reordered > 0, 'the log holds payments whose PaymentCompleted precedes their PaymentInitiated');
    t.diagnostic(`producer watermark marks ${log.marks.length}`);
    assert.ok(log.marks.length > 0, 'the simulator wrote producer watermark marks into quiet partitions');
    assert.deepEqual(log.brokenPromises.slice(0, 10), [], 'no event follows a watermark mark of its partition with an older event time');
    assert.ok(r.trips.size > 200 && r.payments.size > 20, `a real run: ${r.trips.size} trips, ${r.payments.size} payments`);
  });

  void it('trips: every trip, its status, region, driver, rider, fare and lifecycle times', async () => {
    const served = await servedTrips(url);
    const f = tripFigures(r, served.nodes);
    assert.equal(served.totalCount, r.trips.size, `trips.totalCount: expected ${r.trips.size}, served ${served.totalCount}`);
    assertSameFigures('trips', f.expected, f.served, TRIP_FIELDS);
    const statuses = (m: ReadonlyMap<string, Plain>): Map<string, Plain> => {
      const c = new Map<string, number>();
      for (const v of m.values()) c.set(String(v['status']), (c.get(String(v['status'])) ?? 0) + 1);
      return byKey(c, ([k]) => k, ([, n]) => ({ count: n }));
    };
    assertSameFigures('trips per status', statuses(f.expected), statuses(f.served), ['count']);
  });

  for (const g of ['HOUR', 'DAY'] as const) {
    void it(`tripStats(granularity: ${g}) per bucket and region`, async () => {
      const f = bucketFigures(r, g, await servedTripStats(url, g, r.range.from, r.range.to));
      assertSameFigures(`tripStats ${g} (key bucketStart|region)`, f.expected, f.served, BUCKET_FIELDS);
    });
  }

  void it('drivers and driverStats: status, completed trips, revenue, ratings', async () => {
    const regions = await servedDrivers(url, REGION_IDS);
    const listed = regions.flatMap((x) => x.drivers);
    const seen = new Set(listed.map((d) => d.id));
    const rest = await servedDriversById(url, [...r.drivers.keys()].filter((id) => !seen.has(id)));
    const all = driverFigures(r, [...listed, ...rest]);
    assertSameFigures('drivers (key driver id)', all.expected, all.served, DRIVER_FIELDS);
    for (const x of regions) {
      const byTrips = driverStatFigures(r, x.regionId, x.byTrips, (d) => d.tripsCompleted > 0, 500);
      assertSameFigures(`driverStats(regionId: ${x.regionId}, orderBy: TRIPS_COMPLETED) (key driver id)`, byTrips.expected, byTrips.served, DRIVER_STAT_FIELDS);
      const byRating = driverStatFigures(r, x.regionId, x.byRating, (d) => d.ratingCount > 0, 500);
      assertSameFigures(`driverStats(regionId: ${x.regionId}, orderBy: AVERAGE_RATING) (key driver id)`, byRating.expected, byRating.served, DRIVER_STAT_FIELDS);
    }
  });

  void it('payments: every payment, its status, amounts and seed 001 fraud assessment', async () => {
    const served = await servedPayments(url);
    assert.equal(served.totalCount, r.payments.size, `payments.totalCount: expected ${r.payments.size}, served ${served.totalCount}`);
    const f = paymentFigures(r, served.nodes);
    assertSameFigures('payments (key payment id)', f.expected, f.served, PAYMENT_FIELDS);
  });

  void it('revenuePerDay, per day and per day and region', async () => {
    const s = await servedRevenueAndFraud(url, r.range.from, r.range.to);
    const perDay = revenueFigures(r, s.perDay, false);
    assertSameFigures('revenuePerDay (key date|*)', perDay.expected, perDay.served, REVENUE_FIELDS);
    const perRegion = revenueFigures(r, s.perDayRegion, true);
    assertSameFigures('revenuePerDay(byRegion: true) (key date|region)', perRegion.expected, perRegion.served, REVENUE_FIELDS);
  });

  void it('fraudSummary: payments and amount per risk level', async () => {
    const s = await servedRevenueAndFraud(url, r.range.from, r.range.to);
    const f = fraudFigures(r, s.fraud);
    assertSameFigures('fraudSummary (key risk level)', f.expected, f.served, ['payments', 'amount']);
  });

  void it('regionWindows and platformWindows: every window of every size, final and live', async () => {
    const f = windowFigures(r, await servedWindows(url, REGION_IDS, WINDOW_MINUTES));
    assertSameFigures('windows (key region|minutes|windowStart, * = platform)', f.expected, f.served, WINDOW_FIELDS);
  });

  void it('regionWindows and platformWindows: every cancellationRate is a rate in [0, 1]', async () => {
    const served = await servedWindows(url, REGION_IDS, WINDOW_MINUTES);
    const notRates = served.filter((w) => w.cancellationRate < 0 || w.cancellationRate > 1);
    assert.equal(notRates.length, 0, `cancellationRate: ${notRates.length} of ${served.length} served windows are not in [0, 1], e.g. ${notRates.slice(0, 6).map((w) => `${servedWindowKey(w)}: ${w.cancelledCount}/${w.tripCount} = ${w.cancellationRate}`).join('; ')}`);
  });

  void it('live windows over graphql-ws: final values equal the recount, running values never exceed it', () => {
    assert.ok(run);
    assert.deepEqual(run.liveErrors, [], 'the subscriptions ran without errors');
    const finals = run.live.filter((m) => m.isFinal);
    assert.ok(finals.length > 0, `final windows over the subscriptions: ${finals.length} (of ${run.live.length} messages)`);
    const truth = new Map<string, Plain>();
    for (const [k, w] of r.windows.windows) truth.set(k, { ...w });
    const last = new Map<string, Plain>();
    for (const m of finals) last.set(`${m.via} ${servedWindowKey(m)}`, { ...m });
    const expected = new Map<string, Plain>();
    for (const m of finals) expected.set(`${m.via} ${servedWindowKey(m)}`, truth.get(servedWindowKey(m)) ?? { missing: true });
    assertSameFigures('final windows over graphql-ws (key subscription region|minutes|windowStart)', expected, last, WINDOW_FIELDS);
    const over: string[] = [];
    for (const m of run.live.filter((x) => !x.isFinal)) {
      const w = truth.get(servedWindowKey(m));
      const bad = m.cancellationRate < 0 || m.cancellationRate > 1 || !w ||
        (['tripCount', 'completedCount', 'cancelledCount'] as const).some((k) => m[k] > Number(w[k]));
      if (bad) over.push(`${m.via} ${servedWindowKey(m)}: served trips ${m.tripCount} completed ${m.completedCount} cancelled ${m.cancelledCount} rate ${m.cancellationRate}; recount ${w ? `trips ${String(w['tripCount'])} completed ${String(w['completedCount'])} cancelled ${String(w['cancelledCount'])}` : 'no such window'}`);
    }
    assert.equal(over.length, 0, `running windows over graphql-ws beyond the recount or with a rate outside [0, 1]: ${over.length}\n  ${over.slice(0, 10).join('\n  ')}`);
  });

  for (const { entity, api } of FEATURE_ENTITIES) {
    void it(`onlineFeatures(entity: ${api}) after the restarts`, async () => {
      const f = featureFigures(r, entity, await servedFeatures(url, api, featureIds(r, entity)));
      assertSameFigures(`onlineFeatures ${api} (key id)`, f.expected, f.served, f.fields);
    });
  }

  void it('jobs: an instance that runs no job reports none running, counters continue across restarts', async () => {
    assert.ok(run);
    const jobs = await servedJobs(url);
    const running = jobs.filter((j) => j.state === 'running');
    assert.equal(running.length, 0, `jobs: the last instance runs no job, but jobs says running: ${running.map((j) => `${j.job} (updatedAt ${j.updatedAt})`).join(', ')}`);
    // Each instance continues a job's counters from where the previous one left them, never from zero.
    const lines: string[] = [];
    const steps = [['C', run.jobsBeforeStop.c, 'D', run.jobsBeforeStop.d], ['D', run.jobsBeforeStop.d, 'E', jobs]] as const;
    for (const [fromName, from, toName, to] of steps) {
      const after = new Map(to.map((j) => [j.job, j]));
      for (const before of from) {
        if (before.job === 'simulator') continue;
        const now = after.get(before.job);
        if (!now) lines.push(`${before.job}: listed by ${fromName}, missing in ${toName}`);
        else if (now.processed < before.processed) lines.push(`${before.job}: processed ${before.processed} in ${fromName} before its SIGINT, ${now.processed} in ${toName} (restarted from zero?)`);
      }
    }
    assert.ok(run.jobsBeforeStop.c.length > 1, `jobs served by C: ${JSON.stringify(run.jobsBeforeStop.c)}`);
    assert.equal(lines.length, 0, `jobs counters:\n  ${lines.join('\n  ')}`);
  });

  void it('late events: the aggregation dead-lettered exactly the events the recount finds late', async () => {
    const firstCopies = new Set(log.events.map((e) => `${partitionKey(e.topic, e.partition)}@${e.offset}`));
    const letters = (await readDeadLetters(run?.eventLogDir ?? '')).filter((l) => l.code === 'EVENT_LATE' && firstCopies.has(l.source));
    const served = new Set(letters.map((l) => l.source));
    assert.ok(r.windows.late.size > 0, 'the run produced late events for the windows');
    const missing = [...r.windows.late].filter((x) => !served.has(x));
    const extra = [...served].filter((x) => !r.windows.late.has(x));
    assert.ok(missing.length === 0 && extra.length === 0,
      `late events (EVENT_LATE in dead-letter, key topic#partition@offset): recount ${r.windows.late.size}, dead-lettered ${served.size}; ` +
      `late but not dead-lettered: ${missing.slice(0, 8).join(', ') || 'none'}; dead-lettered but not late: ${extra.slice(0, 8).join(', ') || 'none'}`);
  });
});
