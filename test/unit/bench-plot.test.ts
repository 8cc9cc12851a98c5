import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeMachine, installedVersion, machineLines } from '../../bench/support/machine.ts';
import { plotFileName, renderGrowth, SERIES_COLOURS, writeGrowthPlots, type RenderedPlot } from '../../bench/support/plot.ts';
import { growthMarkdown, growthTable } from '../../bench/support/report.ts';
import type { Growth } from '../../bench/support/types.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const GROWTH: Growth = {
  id: 'p50-by-page',
  title: 'p50 latency by page size',
  xLabel: 'trips per page',
  yLabel: 'p50 ms',
  series: [
    { name: 'gateway, JS planner', points: [{ x: 5, y: 40 }, { x: 20, y: 90 }, { x: 80, y: 300 }] },
    { name: 'gateway, Rust planner', points: [{ x: 5, y: 20 }, { x: 20, y: 60 }, { x: 80, y: 180 }] },
  ],
  logX: true,
};

function rgbAt(r: RenderedPlot, px: number, py: number): [number, number, number] {
  const i = (Math.round(py) * r.width + Math.round(px)) * 4;
  return [r.pixels[i] ?? -1, r.pixels[i + 1] ?? -1, r.pixels[i + 2] ?? -1];
}

function hexRgb(hex: string): [number, number, number] {
  return [Number.parseInt(hex.slice(1, 3), 16), Number.parseInt(hex.slice(3, 5), 16), Number.parseInt(hex.slice(5, 7), 16)];
}

void describe('bench growth plots', () => {
  void it('renders a growth as a PNG whose size is the one its header states', async () => {
    const r = await renderGrowth(GROWTH);
    assert.deepEqual(r.png.subarray(0, 8), PNG_SIGNATURE);
    // IHDR: width and height, big-endian, right after the chunk length and type
    assert.equal(r.png.readUInt32BE(16), r.width);
    assert.equal(r.png.readUInt32BE(20), r.height);
    assert.ok(r.width >= 600 && r.height >= 300, `${r.width}x${r.height}`);
    assert.equal(r.pixels.length, r.width * r.height * 4);
  });

  void it('draws every point inside the image, in its series colour, ordered as the data', async () => {
    const r = await renderGrowth(GROWTH);
    GROWTH.series.forEach((s, i) => {
      const want = hexRgb(SERIES_COLOURS[i] as string);
      let last: { px: number; py: number } | undefined;
      for (const p of s.points) {
        const at = r.pixelOf(p.x, p.y);
        assert.ok(at.px > 0 && at.px < r.width && at.py > 0 && at.py < r.height, `${s.name} (${p.x}, ${p.y}) at ${at.px},${at.py}`);
        const got = rgbAt(r, at.px, at.py);
        for (let c = 0; c < 3; c++) assert.ok(Math.abs((got[c] ?? 0) - (want[c] ?? 0)) <= 8, `${s.name} (${p.x}, ${p.y}): pixel ${got.join(',')}, series colour ${want.join(',')}`);
        if (last) {
          assert.ok(at.px > last.px, 'a larger x lands further right');
          assert.ok(at.py < last.py, 'a larger y lands higher up');
        }
        last = at;
      }
    });
    // the background between the points is not painted in a series colour
    const corner = rgbAt(r, 2, r.height - 2);
    assert.deepEqual(corner, [255, 255, 255]);
  });

  void it('puts equal log-x steps at equal distances', async () => {
    const r = await renderGrowth({ ...GROWTH, series: [{ name: 'a', points: [{ x: 1, y: 1 }, { x: 10, y: 2 }, { x: 100, y: 3 }] }] });
    const [a, b, c] = [1, 10, 100].map((x) => r.pixelOf(x, 1).px) as [number, number, number];
    assert.ok(Math.abs(b - a - (c - b)) < 1, `${a} ${b} ${c}`);
  });

  void it('leaves out points a log axis cannot show instead of failing', async () => {
    const r = await renderGrowth({ ...GROWTH, logY: true, series: [{ name: 'a', points: [{ x: 1, y: 0 }, { x: 10, y: 5 }, { x: 100, y: 50 }] }] });
    assert.deepEqual(r.png.subarray(0, 8), PNG_SIGNATURE);
    const at = r.pixelOf(100, 50);
    assert.deepEqual(rgbAt(r, at.px, at.py), hexRgb(SERIES_COLOURS[0]));
  });

  void it('writes <suite>-<id>.png and refuses ids that are not kebab-case or not unique', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-plot-'));
    try {
      const written = await writeGrowthPlots(path.join(dir, 'plots'), 'gateway', [GROWTH, { ...GROWTH, id: 'rps' }]);
      assert.deepEqual(written.map((w) => path.basename(w.file)), ['gateway-p50-by-page.png', 'gateway-rps.png']);
      assert.deepEqual((await readdir(path.join(dir, 'plots'))).sort(), ['gateway-p50-by-page.png', 'gateway-rps.png']);
      assert.deepEqual((await readFile(written[0]?.file ?? '')).subarray(0, 8), PNG_SIGNATURE);
      await assert.rejects(writeGrowthPlots(dir, 'gateway', [GROWTH, GROWTH]), /two growth entries/);
      assert.throws(() => plotFileName('gateway', { ...GROWTH, id: 'Not Kebab' }), /kebab-case/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('puts the figures behind each plot in the result file, with its link', () => {
    const t = growthTable({ ...GROWTH, series: [...GROWTH.series, { name: 'floor', points: [{ x: 20, y: 10 }] }] });
    assert.deepEqual(t.columns, ['trips per page', 'gateway, JS planner', 'gateway, Rust planner', 'floor']);
    assert.deepEqual(t.rows, [
      { 'trips per page': 5, 'gateway, JS planner': 40, 'gateway, Rust planner': 20, floor: null },
      { 'trips per page': 20, 'gateway, JS planner': 90, 'gateway, Rust planner': 60, floor: 10 },
      { 'trips per page': 80, 'gateway, JS planner': 300, 'gateway, Rust planner': 180, floor: null },
    ]);
    const md = growthMarkdown([{ growth: GROWTH, link: '../../docs/benchmarks/gateway-p50-by-page.png' }, { growth: { ...GROWTH, id: 'x' }, error: 'boom' }]).join('\n');
    assert.match(md, /^## How cost grows/);
    assert.match(md, /!\[p50 latency by page size\]\(\.\.\/\.\.\/docs\/benchmarks\/gateway-p50-by-page\.png\)/);
    assert.match(md, /\(no plot: boom\)/);
    assert.match(md, /\| 20 \| 90 \| 60 \|/);
    assert.deepEqual(growthMarkdown([]), []);
  });

  void it('records the installed versions of our engines and of the peers with the machine', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const m = describeMachine();
    assert.equal(m.ours['graphql'], pkg.dependencies['graphql']);
    assert.equal(m.ours['@graphql-hive/router-runtime'], pkg.dependencies['@graphql-hive/router-runtime']);
    assert.equal(m.peers['@apollo/gateway'], pkg.devDependencies['@apollo/gateway']);
    assert.match(m.hiveRouter, /^\d+\.\d+\.\d+ \((built|not built)/);
    assert.equal(installedVersion('no-such-package-anywhere'), 'missing');
    const lines = machineLines(m).join('\n');
    assert.match(lines, /ours: graphql \d/);
    assert.match(lines, /peers: @apollo\/gateway \d/);
  });
});
