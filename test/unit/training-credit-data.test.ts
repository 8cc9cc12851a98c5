/**
 * Seed 003's credit data: the generator has the full UCI schema with realistic marginals and ~22 %
 * defaults; a real-shaped CSV (Kaggle layout, or the .xls export with its X1..X23 row, columns in
 * any order) loads to the same records; bad input is TRAINING_DATA_INVALID naming line and column.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatUciCreditCsv, loadUciCreditCsv, parseUciCreditCsv } from '../../jobs/training/datasets/credit-csv.ts';
import { CREDIT_SERVING_FEATURES, generateUciCredit, UCI_CREDIT_COLUMNS, uciCreditDataset } from '../../jobs/training/datasets/credit-uci.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import { isPlatformError } from '../../schema/errors.ts';

const records = generateUciCredit(createPrng(1004), 30_000);
const column = (name: (typeof UCI_CREDIT_COLUMNS)[number]): number[] => records.map((r) => r.values[UCI_CREDIT_COLUMNS.indexOf(name)] ?? NaN);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const share = (v: number[], p: (x: number) => boolean): number => v.filter(p).length / v.length;

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => isPlatformError(e) && e.code === 'TRAINING_DATA_INVALID' && pattern.test(e.message));
}

void describe('UCI credit generator', () => {
  void it('has the 23 UCI columns with realistic marginals and a ~22 % default rate', () => {
    assert.equal(UCI_CREDIT_COLUMNS.length, 23);
    for (const r of records.slice(0, 100)) assert.equal(r.values.length, 23);
    const rate = share(records.map((r) => (r.defaulted ? 1 : 0)), (x) => x === 1);
    assert.ok(rate > 0.2 && rate < 0.245, `default rate ${rate} (UCI: 0.221)`);
    const limit = column('LIMIT_BAL');
    assert.ok(Math.min(...limit) >= 10_000 && Math.max(...limit) <= 1_000_000);
    assert.ok(median(limit) >= 100_000 && median(limit) <= 180_000, `limit median ${median(limit)} (UCI 140 000)`);
    assert.ok(Math.abs(share(column('SEX'), (s) => s === 2) - 0.6) < 0.03, 'about 60 % women');
    const age = column('AGE');
    assert.ok(Math.min(...age) >= 21 && Math.max(...age) <= 79);
    assert.ok(Math.abs(age.reduce((s, a) => s + a, 0) / age.length - 35.5) < 2, 'mean age ~35');
    const pay0 = column('PAY_0');
    assert.ok(Math.abs(share(pay0, (p) => p === 0) - 0.49) < 0.08, 'about half revolving');
    assert.ok(share(pay0, (p) => p >= 1) > 0.12 && share(pay0, (p) => p >= 1) < 0.3, 'late in September');
    assert.ok(share(column('PAY_2'), (p) => p === 1) < 0.01, 'status 1 is rare before September, as in the published data');
    // late payers default far more often
    const late = records.filter((r) => (r.values[5] ?? 0) >= 2);
    const onTime = records.filter((r) => (r.values[5] ?? 0) <= 0);
    assert.ok(share(late.map((r) => (r.defaulted ? 1 : 0)), (x) => x === 1) > 3 * share(onTime.map((r) => (r.defaulted ? 1 : 0)), (x) => x === 1));
  });

  void it('projects onto the served credit features (utilization = BILL_AMT1 / LIMIT_BAL) or all 23 columns', () => {
    const d = uciCreditDataset(records.slice(0, 1000));
    assert.deepEqual(d.featureNames, CREDIT_SERVING_FEATURES);
    const r = records[0];
    assert.ok(r);
    const [limit = 0, , , , , pay0 = 0, pay2 = 0, , , , , bill1 = 0] = r.values;
    assert.deepEqual(d.x[0], [limit, r.values[4], pay0, pay2, bill1, r.values[17], bill1 / limit]);
    assert.deepEqual([d.validationFrom, d.testFrom], [600, 800]);
    assert.equal(uciCreditDataset(records.slice(0, 10), 'full').featureNames.length, 23);
  });
});

void describe('UCI credit CSV', () => {
  void it('round-trips the Kaggle layout and reads the .xls export layout with columns in another order', async () => {
    const some = records.slice(0, 50);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-credit-'));
    try {
      const file = path.join(dir, 'UCI_Credit_Card.csv');
      await writeFile(file, formatUciCreditCsv(some));
      assert.deepEqual(await loadUciCreditCsv(file), some);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const cols = ['ID', ...UCI_CREDIT_COLUMNS].reverse();
    const xls = [
      ['', ...UCI_CREDIT_COLUMNS.map((_, i) => `X${i + 1}`), 'Y'].join(','),
      [...cols, '"default payment next month"'].join(','),
      ...some.slice(0, 3).map((r, i) => [...[i + 1, ...r.values].reverse(), r.defaulted ? 1 : 0].join(',')),
    ].join('\r\n');
    assert.deepEqual(parseUciCreditCsv(xls), some.slice(0, 3));
  });

  void it('refuses bad input with TRAINING_DATA_INVALID naming the problem', async () => {
    const good = formatUciCreditCsv(records.slice(0, 3)).split('\n');
    const header = good[0] ?? '';
    refused(() => parseUciCreditCsv(''), /empty/);
    refused(() => parseUciCreditCsv([header.replace(',PAY_AMT6', ''), ...good.slice(1)].join('\n')), /missing column\(s\) PAY_AMT6/);
    refused(() => parseUciCreditCsv([header.replace('default.payment.next.month', 'target'), ...good.slice(1)].join('\n')), /default flag column/);
    refused(() => parseUciCreditCsv(header), /no data rows/);
    const row = (good[1] ?? '').split(',');
    refused(() => parseUciCreditCsv([header, [...row.slice(0, 5), 'abc', ...row.slice(6)].join(',')].join('\n')), /line 2 column AGE is "abc"/);
    refused(() => parseUciCreditCsv([header, [...row.slice(0, -1), '2'].join(',')].join('\n')), /default flag is "2"/);
    refused(() => parseUciCreditCsv([header, row.slice(0, -1).join(',')].join('\n')), /fields/);
    await assert.rejects(loadUciCreditCsv('/nonexistent/credit.csv'), (e: unknown) => isPlatformError(e) && e.code === 'TRAINING_DATA_INVALID');
  });
});
