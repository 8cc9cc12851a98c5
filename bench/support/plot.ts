/**
 * Draws a suite's `growth` (how cost grows with work, issue 11 §5) as a PNG: a Vega-Lite line chart
 * (one line with points per series) compiled to Vega, rendered headless to SVG by Vega's own
 * renderer, then rasterised by resvg (Rust, shipped in its npm platform package: no canvas, no
 * download). Nothing here is hand-drawn: the spec says what to draw, the libraries draw it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Growth } from './types.ts';

/** Tableau 10, fixed so that series i always gets the same colour (and tests can find it). */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

/** PNG pixels per SVG pixel (sharper text on a high-DPI screen; the PNG is 2x the chart size). */
export const PLOT_SCALE = 2;

const WIDTH = 560;
const HEIGHT = 320;
/** Around the whole chart; Vega's origin() leaves it out. */
const PADDING = 12;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

interface Datum {
  readonly series: string;
  readonly x: number;
  readonly y: number;
}

/** Points a log axis can show (a log scale has no place for 0 or less); non-finite ones dropped. */
function data(g: Growth): Datum[] {
  return g.series.flatMap((s) =>
    s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!g.logX || p.x > 0) && (!g.logY || p.y > 0)).map((p) => ({ series: s.name, x: p.x, y: p.y })),
  );
}

/** The Vega-Lite spec of one growth chart (exported for tests and for anyone who wants the JSON). */
export function growthSpec(g: Growth): TopLevelSpec {
  const names = g.series.map((s) => s.name);
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: names.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length] as string) }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 1000 } } as const;
  const xs = [...new Set(data(g).map((d) => d.x))].sort((a, b) => a - b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: g.title, anchor: 'start', fontSize: 14 },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    padding: PADDING,
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' }, legend: { labelFontSize: 11 }, view: { stroke: '#cccccc' } },
    data: { values: data(g) },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: g.xLabel, scale: g.logX ? { type: 'log', nice: false, padding: 24 } : { zero: false, nice: false, padding: 24 }, axis: { values: xs, format: '~s', labelOverlap: 'greedy' } },
      y: { field: 'y', type: 'quantitative', title: g.yLabel, scale: g.logY ? { type: 'log' } : { zero: true }, axis: { format: '~g' } },
      color: colour,
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 } },
      { mark: { type: 'point', filled: true, opacity: 1, size: 90 } },
    ],
  };
}

export interface RenderedPlot {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** RGBA pixels of the PNG, row by row (for checks). */
  readonly pixels: Buffer;
  /** Where a data point lands in the PNG, in PNG pixels from the top-left corner. */
  readonly pixelOf: (x: number, y: number) => { readonly px: number; readonly py: number };
}

/** Renders one growth chart: Vega-Lite -> Vega -> SVG (Vega's headless renderer) -> PNG (resvg). */
export async function renderGrowth(g: Growth): Promise<RenderedPlot> {
  const vega = compile(growthSpec(g)).spec;
  const view = new View(parseVega(vega), { renderer: 'none' });
  await view.runAsync();
  const svg = await view.toSVG(PLOT_SCALE);
  const sx = view.scale('x') as (v: number) => number;
  const sy = view.scale('y') as (v: number) => number;
  const [ox, oy] = view.origin();
  view.finalize();
  const image = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } }).render();
  return {
    png: image.asPng(),
    width: image.width,
    height: image.height,
    pixels: image.pixels,
    pixelOf: (x, y) => ({ px: (PADDING + ox + sx(x)) * PLOT_SCALE, py: (PADDING + oy + sy(y)) * PLOT_SCALE }),
  };
}

export interface WrittenPlot {
  readonly growth: Growth;
  /** Absolute path of the PNG. */
  readonly file: string;
}

/** The PNG's file name: `<suite>-<id>.png`. */
export function plotFileName(suite: string, g: Growth): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(g.id)) throw new Error(`growth id "${g.id}" of suite ${suite} is not kebab-case`);
  return `${suite}-${g.id}.png`;
}

/** Renders and writes every growth chart of a suite into `dir` (made if missing), in order. */
export async function writeGrowthPlots(dir: string, suite: string, growth: readonly Growth[]): Promise<WrittenPlot[]> {
  const ids = new Set<string>();
  for (const g of growth) {
    if (ids.has(g.id)) throw new Error(`suite ${suite} has two growth entries with id "${g.id}"`);
    ids.add(g.id);
  }
  await mkdir(dir, { recursive: true });
  const written: WrittenPlot[] = [];
  for (const g of growth) {
    const file = path.join(dir, plotFileName(suite, g));
    await writeFile(file, (await renderGrowth(g)).png);
    written.push({ growth: g, file });
  }
  return written;
}
