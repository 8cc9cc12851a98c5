/**
 * uPlot charts of the page: a live time series (one x of window starts in seconds, several series)
 * and daily bars. Charts follow their container's width (ResizeObserver).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  readonly label: string;
  readonly stroke: string;
  readonly fill?: string;
  /** Which y scale: 'y' (left axis) or 'y2' (right axis). */
  readonly scale?: 'y' | 'y2';
  readonly format?: (v: number) => string;
}

export interface Chart {
  /** xs in epoch seconds, one array of values per series (null for a gap). */
  setData(xs: readonly number[], ys: readonly (readonly (number | null)[])[]): void;
}

const HEIGHT = 220;

function follow(target: HTMLElement, plot: uPlot): void {
  new ResizeObserver(() => plot.setSize({ width: Math.max(240, target.clientWidth), height: HEIGHT })).observe(target);
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const axisValues = (_u: uPlot, splits: number[]): string[] => splits.map((v) => compact.format(v));

const DAY_S = 86_400;
const day = (_u: uPlot, splits: number[]): string[] => splits.map((s) => new Date(s * 1000).toISOString().slice(5, 10));

/** A chart of windows over time; with `daily`, bars of whole UTC days (one tick a day, half a day of margin). */
export function timeSeriesChart(target: HTMLElement, series: readonly SeriesSpec[], daily = false): Chart {
  const usesY2 = series.some((s) => s.scale === 'y2');
  const opts: uPlot.Options = {
    width: Math.max(240, target.clientWidth),
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true, ...(daily ? { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min - DAY_S * 0.6, max + DAY_S * 0.6] } : {}) }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }, ...(usesY2 ? { y2: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } } : {}) },
    axes: [
      { stroke: '#9aa4b2', grid: { stroke: '#2a3140' }, ...(daily ? { values: day, splits: (u: uPlot) => [...(u.data[0] ?? [])] } : {}) },
      { stroke: '#9aa4b2', grid: { stroke: '#2a3140' }, size: 50, values: axisValues },
      ...(usesY2 ? [{ side: 1, scale: 'y2', stroke: '#9aa4b2', grid: { show: false }, size: 50, values: axisValues }] : []),
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        scale: s.scale ?? 'y',
        ...(s.fill ? { fill: s.fill } : {}),
        ...(daily ? { paths: uPlot.paths.bars?.({ size: [0.7, 60] }), points: { show: false } } : {}),
        ...(s.format ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : s.format?.(v) ?? String(v)) } : {}),
      })),
    ],
  };
  const empty: uPlot.AlignedData = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, empty, target);
  follow(target, plot);
  return {
    setData(xs, ys) {
      plot.setData([xs.slice(), ...ys.map((y) => y.slice())] as uPlot.AlignedData);
    },
  };
}
