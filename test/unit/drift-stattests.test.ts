/**
 * The drift statistics against scipy's values. Expected numbers were computed once with scipy 1.17.1
 * (scripts/python-env.sh venv: stats.ks_2samp, stats.wasserstein_distance, stats.chisquare,
 * spatial.distance.jensenshannon, stats.norm.sf, stats.chi2.sf, numpy.histogram_bin_edges 'sturges')
 * on the literal inputs below; the KS [1..5] vs [6..10] case is the textbook 2 / C(10, 5); the
 * jensenshannon and chisquare doc examples are scipy's own documentation examples.
 * test/integration/drift-scipy.test.ts re-checks random inputs against scipy live.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sturgesEdges, histogram, psi } from '../../jobs/drift/binning.ts';
import { columnDrift, selectStatTest } from '../../jobs/drift/column-drift.ts';
import { chiSquareSf, normalSf } from '../../jobs/drift/distributions.ts';
import { chiSquare, jensenShannon, ks2Samp, proportionsZTest, std, wassersteinDistance } from '../../jobs/drift/stattests.ts';

const X = [0.305, -1.04, 0.75, 0.941, -1.951, -1.302, 0.128, -0.316, -0.017, -0.853, 0.879, 0.778, 0.066, 1.127, 0.468, -0.859, 0.369, -0.959, 0.878, -0.05, -0.185, -0.681, 1.223, -0.155, -0.428, -0.352, 0.532, 0.365, 0.413, 0.431, 2.142, -0.406, -0.512, -0.814, 0.616, 1.129, -0.114, -0.84, -0.824, 0.651, 0.743, 0.543, -0.666, 0.232, 0.117, 0.219, 0.871, 0.224, 0.679, 0.068, 0.289, 0.631, -1.457, -0.32, -0.47, -0.639, -0.275, 1.495, -0.866, 0.968];
const Y = [-1.619, -0.002, 0.595, 1.103, 1.253, 1.352, -0.018, -0.155, 1.43, 0.17, -1.131, -0.96, -0.703, 0.997, 0.571, 1.229, -0.113, 0.59, 1.151, 0.029, 0.948, -0.394, -0.036, -0.058, -1.035, 0.984, -0.163, 0.415, 0.977, 0.936, 1.198, 0.282, -0.108, 0.304, -1.625, -1.337, -1.187, -0.797, 0.88, -0.687, -0.054, 1.959, -0.028, 1.285, -0.72];

const close = (actual: number, expected: number, rel = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1e-300, Math.abs(expected)), `${actual} is not ${expected} (relative ${rel})`);
};

void describe('drift statistics (scipy reference values)', () => {
  void it('two-sample KS: statistic and exact two-sided p-value', () => {
    const textbook = ks2Samp([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.equal(textbook.statistic, 1);
    close(textbook.pValue, 2 / 252);
    const small = ks2Samp([0.1, 0.5, 0.9, 1.3], [0.2, 0.3, 2.0, 2.5, 3.1]);
    close(small.statistic, 0.6);
    close(small.pValue, 0.2857142857142857);
    const r = ks2Samp(X, Y);
    close(r.statistic, 0.21666666666666667);
    close(r.pValue, 0.15788642934383956, 1e-8);
    assert.deepEqual(ks2Samp(X, X), { statistic: 0, pValue: 1 });
  });

  void it('Wasserstein distance and numpy std', () => {
    close(wassersteinDistance(X, Y), 0.19364999999999993, 1e-9);
    close(std(X), 0.7790562986003572, 1e-12);
    close(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5);
  });

  void it('chi-square goodness of fit', () => {
    const docs = chiSquare([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]);
    close(docs.statistic, 3.5);
    close(docs.pValue, 0.62338762774958223, 1e-9);
    const r = chiSquare([30, 14, 34, 45, 57, 20], [20, 20, 30, 40, 60, 30]);
    close(r.statistic, 11.441666666666666);
    close(r.pValue, 0.04329313031580497, 1e-9);
    assert.equal(chiSquare([1, 3], [0, 4]).pValue, 0, 'a category the reference never had is infinite drift');
  });

  void it('Jensen-Shannon distance (base 2 as Evidently calls it; scipy default base e)', () => {
    close(jensenShannon([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]), 0.21663402449519667, 1e-12);
    close(jensenShannon([1, 0], [0.5, 0.5], Math.E), 0.464501404022459, 1e-12);
    close(jensenShannon([1, 0, 0], [0, 1, 0]), 1, 1e-12);
  });

  void it('normal and chi-square tails', () => {
    close(normalSf(1.96), 0.024997895148220435, 1e-10);
    close(normalSf(5), 2.866515718791933e-7, 1e-9);
    close(chiSquareSf(10, 3), 0.01856613546304325, 1e-10);
    close(proportionsZTest(30, 100, 30, 100).pValue, 1);
  });

  void it('numpy sturges edges and histogram', () => {
    const edges = sturgesEdges([...X, ...Y]);
    const expected = [-1.951, -1.439375, -0.92775, -0.416125, 0.0955, 0.607125, 1.11875, 1.630375, 2.142];
    assert.equal(edges.length, expected.length);
    edges.forEach((e, k) => close(e, expected[k] ?? NaN, 1e-12));
    const counts = histogram([...X, ...Y], edges);
    assert.equal(counts.reduce((s, n) => s + n, 0), X.length + Y.length, 'the max lands in the last (closed) bin');
    assert.ok(psi(X, X, true) === 0);
  });

  void it("selects Evidently's default test by reference size, type and cardinality", () => {
    assert.equal(selectStatTest('numerical', 1000, 50), 'ks');
    assert.equal(selectStatTest('numerical', 1001, 50), 'wasserstein');
    assert.equal(selectStatTest('numerical', 500, 4), 'chisquare');
    assert.equal(selectStatTest('numerical', 500, 2), 'z');
    assert.equal(selectStatTest('categorical', 500, 8), 'chisquare');
    assert.equal(selectStatTest('categorical', 5000, 2), 'jensenshannon');
    const cat = columnDrift('method', ['card', 'cash', 'card', 'wallet', 'card', 'cash'], ['crypto', 'crypto', 'card', 'crypto', 'crypto', 'crypto']);
    assert.equal(cat.kind, 'categorical');
    assert.equal(cat.stattest, 'chisquare');
    assert.equal(cat.drifted, true);
    assert.ok(cat.psi > 0.1);
  });
});
