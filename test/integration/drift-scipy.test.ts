/**
 * Our drift statistics against scipy / numpy live (the venv of scripts/python-env.sh, scipy pinned
 * in scripts/python/requirements.txt) on seeded random inputs: unequal sample sizes, ties, shifts,
 * low-cardinality and categorical columns. KS statistic and exact p-value, Wasserstein distance,
 * numpy std, chi-square p-value, Jensen-Shannon distance and PSI over numpy's sturges histogram.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { binnedShares, countsByValue, psi, type Value } from '../../jobs/drift/binning.ts';
import { chiSquare, jensenShannon, ks2Samp, std, wassersteinDistance } from '../../jobs/drift/stattests.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import { venvPython } from './support/lake-readers.ts';

const run = promisify(execFile);

interface Case { ref: Value[]; cur: Value[]; numerical: boolean }
interface Expected { ks_stat?: number; ks_p?: number; wasserstein?: number; std?: number; chisquare_p?: number; jensenshannon: number; psi: number }

function cases(): Case[] {
  const rng = createPrng(99);
  const normal = (n: number, mu: number, sd: number, digits = 6): number[] => Array.from({ length: n }, () => Number(rng.normal(mu, sd).toFixed(digits)));
  const out: Case[] = [];
  for (const [n1, n2, shift] of [[40, 55, 0], [120, 80, 0.3], [300, 300, 0.5], [500, 260, 0.1], [900, 1000, 0], [64, 64, 1]] as const) out.push({ ref: normal(n1, 0, 1), cur: normal(n2, shift, 1), numerical: true });
  out.push({ ref: normal(200, 0, 1, 1), cur: normal(150, 0.2, 1, 1), numerical: true }); // many ties
  out.push({ ref: Array.from({ length: 400 }, () => rng.int(0, 3)), cur: Array.from({ length: 300 }, () => rng.int(0, 4) % 4), numerical: true }); // low cardinality
  const methods = ['card', 'cash', 'wallet', 'crypto'];
  out.push({ ref: Array.from({ length: 500 }, () => rng.pick(methods, [6, 3, 2, 0.5])), cur: Array.from({ length: 350 }, () => rng.pick(methods, [5, 3, 2, 1.5])), numerical: false });
  return out;
}

const close = (what: string, actual: number, expected: number, rel: number): void => {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-12), `${what}: ${actual} vs scipy ${expected}`);
};

void describe('drift statistics vs scipy (live)', () => {
  void it('agree with scipy / numpy on seeded random inputs', async () => {
    const cs = cases();
    const child = run(venvPython(), [join(import.meta.dirname, 'support', 'drift-stats.py')], { maxBuffer: 64 * 1024 * 1024 });
    child.child.stdin?.end(JSON.stringify(cs));
    const expected = JSON.parse((await child).stdout) as Expected[];
    assert.equal(expected.length, cs.length);
    cs.forEach((c, i) => {
      const e = expected[i] as Expected;
      const tag = `case ${i} (${c.ref.length} vs ${c.cur.length})`;
      if (c.numerical) {
        const ks = ks2Samp(c.ref as number[], c.cur as number[]);
        close(`${tag} KS statistic`, ks.statistic, e.ks_stat ?? NaN, 1e-12);
        close(`${tag} KS p-value`, ks.pValue, e.ks_p ?? NaN, 1e-6);
        close(`${tag} Wasserstein`, wassersteinDistance(c.ref as number[], c.cur as number[]), e.wasserstein ?? NaN, 1e-9);
        close(`${tag} std`, std(c.ref as number[]), e.std ?? NaN, 1e-12);
      }
      if (e.chisquare_p !== undefined) {
        const counts = countsByValue(c.ref, c.cur);
        const k = c.cur.length / c.ref.length;
        close(`${tag} chi-square p`, chiSquare(counts.current, counts.reference.map((n) => n * k)).pValue, e.chisquare_p, 1e-8);
      }
      const b = binnedShares(c.ref, c.cur, c.numerical, false);
      close(`${tag} Jensen-Shannon`, jensenShannon(b.reference, b.current), e.jensenshannon, 1e-9);
      close(`${tag} PSI`, psi(c.ref, c.cur, c.numerical), e.psi, 1e-9);
    });
  });
});
