/**
 * Statistical tests of the drift detector (issue 9: a 0.5 sigma mean shift is detected in >= 95 % of
 * trials, no shift alarms in <= 5 %). Seeded trials, normal data; docs/decisions/0018-drift.md
 * gives the power calculation behind the sample sizes. Each claim is checked with a one-sided 99 %
 * Wilson bound on the observed rate, so a pass is evidence for the claim, not luck:
 * - detection: the lower bound of the detection rate must be >= 0.95;
 * - false alarms of the dataset decision (share of drifted columns >= 50 %) and of the Wasserstein
 *   regime: the upper bound of the alarm rate must be <= 0.05;
 * - false alarms of one KS column: its size is 5 % by construction (an exact test at p < 0.05), so
 *   the check is the binomial test of "rate <= 5 %": at most the 99th percentile of Bin(T, 0.05)
 *   alarms (a detector alarming 10 % of the time fails this with probability ~0.95 at T = 400).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectDrift, type Frame } from '../../jobs/drift/detector.ts';
import { createPrng, type Prng } from '../../jobs/training/prng.ts';

const Z99 = 2.3263478740408408; // one-sided 99 % normal quantile

function wilson(successes: number, n: number): { lower: number; upper: number } {
  const p = successes / n;
  const z2 = Z99 * Z99;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z99 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { lower: centre - half, upper: centre + half };
}

/** The smallest k with P(Bin(n, p) <= k) >= q. */
function binomialQuantile(n: number, p: number, q: number): number {
  let cdf = 0;
  let pmf = (1 - p) ** n;
  for (let k = 0; k <= n; k++) {
    cdf += pmf;
    if (cdf >= q) return k;
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return n;
}

const frame = (rng: Prng, columns: number, rows: number, shift: number): Frame =>
  Object.fromEntries(Array.from({ length: columns }, (_, c) => [`f${c}`, Array.from({ length: rows }, () => rng.normal(shift, 1))]));

function trials(o: { seed: number; trials: number; columns: number; referenceRows: number; currentRows: number; shift: number }): { alarms: number; stattests: Set<string> } {
  const rng = createPrng(o.seed);
  let alarms = 0;
  const stattests = new Set<string>();
  for (let t = 0; t < o.trials; t++) {
    const r = detectDrift(frame(rng, o.columns, o.referenceRows, 0), frame(rng, o.columns, o.currentRows, o.shift));
    for (const c of r.columns) stattests.add(c.stattest);
    if (r.datasetDrift) alarms++;
  }
  return { alarms, stattests };
}

void describe('drift detector power and false-alarm rate (seeded trials)', () => {
  void it('KS regime (reference 300 rows): a 0.5 sigma shift of one column is detected in >= 95 % of trials', () => {
    const T = 400;
    const r = trials({ seed: 101, trials: T, columns: 1, referenceRows: 300, currentRows: 300, shift: 0.5 });
    assert.deepEqual([...r.stattests], ['ks']);
    const b = wilson(r.alarms, T);
    assert.ok(b.lower >= 0.95, `detected ${r.alarms}/${T}: 99 % lower bound ${b.lower.toFixed(4)} < 0.95`);
  });

  void it('KS regime: without a shift one column alarms at most at the nominal 5 % (binomial test)', () => {
    const T = 400;
    const r = trials({ seed: 202, trials: T, columns: 1, referenceRows: 300, currentRows: 300, shift: 0 });
    const limit = binomialQuantile(T, 0.05, 0.99);
    assert.ok(r.alarms <= limit, `${r.alarms}/${T} false alarms exceed ${limit}, the 99th percentile of Bin(${T}, 0.05)`);
  });

  void it('dataset drift (4 columns, share >= 50 %): detected in >= 95 % of trials, false alarms <= 5 %', () => {
    const T = 600;
    const shifted = trials({ seed: 303, trials: T, columns: 4, referenceRows: 200, currentRows: 200, shift: 0.5 });
    const quiet = trials({ seed: 404, trials: T, columns: 4, referenceRows: 200, currentRows: 200, shift: 0 });
    const d = wilson(shifted.alarms, T);
    const f = wilson(quiet.alarms, T);
    assert.ok(d.lower >= 0.95, `detected ${shifted.alarms}/${T}: 99 % lower bound ${d.lower.toFixed(4)} < 0.95`);
    assert.ok(f.upper <= 0.05, `${quiet.alarms}/${T} false alarms: 99 % upper bound ${f.upper.toFixed(4)} > 0.05`);
  });

  void it('Wasserstein regime (reference 2000 rows, window 2000): detected in >= 95 %, false alarms <= 5 %', () => {
    const T = 200;
    const shifted = trials({ seed: 505, trials: T, columns: 1, referenceRows: 2000, currentRows: 2000, shift: 0.5 });
    const quiet = trials({ seed: 606, trials: T, columns: 1, referenceRows: 2000, currentRows: 2000, shift: 0 });
    assert.deepEqual([...shifted.stattests], ['wasserstein']);
    const d = wilson(shifted.alarms, T);
    const f = wilson(quiet.alarms, T);
    assert.ok(d.lower >= 0.95, `detected ${shifted.alarms}/${T}: 99 % lower bound ${d.lower.toFixed(4)} < 0.95`);
    assert.ok(f.upper <= 0.05, `${quiet.alarms}/${T} false alarms: 99 % upper bound ${f.upper.toFixed(4)} > 0.05`);
  });
});
