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

function axisValues(format?: (v: number) => string): uPlot.Axis['values'] {
  return format ? (_u: uPlot, splits: number[]) => splits.map((v) => format(v)) : undefined;
}

export function timeSeriesChart(target: HTMLElement, series: readonly SeriesSpec[], bars = false): Chart {
  const usesY2 = series.some((s) => s.scale === 'y2');
  const opts: uPlot.Options = {
    width: Math.max(240, target.clientWidth),
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }, ...(usesY2 ? { y2: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } } : {}) },
    axes: [
      { stroke: '#9aa4b2', grid: { stroke: '#2a3140' } },
      { stroke: '#9aa4b2', grid: { stroke: '#2a3140' }, values: axisValues(series[0]?.format) },
      ...(usesY2 ? [{ side: 1, scale: 'y2', stroke: '#9aa4b2', grid: { show: false }, values: axisValues(series.find((s) => s.scale === 'y2')?.format) }] : []),
    ],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        scale: s.scale ?? 'y',
        ...(s.fill ? { fill: s.fill } : {}),
        ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.7, 60] }), points: { show: false } } : {}),
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
