/**
 * Live windows: platform-wide (`platformTotals`) as cards and a chart of recent windows, and each
 * region's newest window (`regionAggregates` for every region) in a table. Starts from the stored
 * windows (`platformWindows`, `regionWindows`), then every live message replaces its window.
 */
import type { Api } from '../api.ts';
import { timeSeriesChart } from '../charts.ts';
import { badge, byId, el, fillRows, fmtInt, fmtMoney, fmtPct, fmtTime, panelError } from '../dom.ts';
import { PLATFORM_LIVE, PLATFORM_WINDOWS, REGION_LIVE, REGION_WINDOWS, REGIONS, type RegionWindow, type WindowFields } from '../queries.ts';

const WINDOW_MINUTES = 5;
const KEEP = 36;

const CARDS: readonly { readonly key: string; readonly label: string; readonly value: (w: WindowFields) => string }[] = [
  { key: 'trips', label: 'Trips', value: (w) => fmtInt(w.tripCount) },
  { key: 'completed', label: 'Completed', value: (w) => fmtInt(w.completedCount) },
  { key: 'cancel-rate', label: 'Cancel rate', value: (w) => fmtPct(w.cancellationRate) },
  { key: 'avg-price', label: 'Avg price', value: (w) => fmtMoney(w.averagePrice) },
  { key: 'revenue', label: 'Revenue', value: (w) => fmtMoney(w.revenue) },
];

let liveMessages = 0;
function countLive(): void {
  liveMessages++;
  byId('live-messages').textContent = String(liveMessages);
}

export function startLivePanel(api: Api): void {
  byId('live-window-size').textContent = `${WINDOW_MINUTES}-minute tumbling windows, UTC`;
  const platform = new Map<string, WindowFields>();
  const regions = new Map<string, RegionWindow>();
  const names = new Map<string, string>();
  const chart = timeSeriesChart(byId('platform-chart'), [
    { label: 'Trips', stroke: '#4cc9f0', fill: 'rgba(76,201,240,0.12)' },
    { label: 'Completed', stroke: '#80ed99' },
    { label: 'Revenue', stroke: '#f9c74f', scale: 'y2', format: (v) => fmtMoney(v) },
  ]);
  const cards = byId('platform-cards');
  cards.replaceChildren(...CARDS.map((c) => el('div', { class: 'card' }, el('span', { class: 'label' }, c.label), el('b', { data: { key: c.key } }, '–'))));
  const windowLabel = el('div', { class: 'card wide-card' }, el('span', { class: 'label' }, 'Newest window'), el('b', { data: { key: 'window' } }, '–'));
  cards.append(windowLabel);

  const renderPlatform = (): void => {
    const windows = [...platform.values()].sort((a, b) => a.windowStart.localeCompare(b.windowStart)).slice(-KEEP);
    for (const w of platform.keys()) if (!windows.some((x) => x.windowStart === w)) platform.delete(w);
    chart.setData(
      windows.map((w) => Date.parse(w.windowStart) / 1000),
      [windows.map((w) => w.tripCount), windows.map((w) => w.completedCount), windows.map((w) => w.revenue)],
    );
    const newest = windows.at(-1);
    if (!newest) return;
    for (const c of CARDS) {
      const b = cards.querySelector<HTMLElement>(`[data-key="${c.key}"]`);
      if (b) b.textContent = c.value(newest);
    }
    const b = windowLabel.querySelector('b');
    if (b) b.replaceChildren(`${fmtTime(newest.windowStart)}–${fmtTime(newest.windowEnd)} `, badge(newest.isFinal ? 'final' : 'open'));
  };

  let flash: string | null = null;
  const renderRegions = (): void => {
    const table = byId<HTMLTableElement>('region-table');
    const rows = [...regions.values()]
      .sort((a, b) => (names.get(a.regionId) ?? a.regionId).localeCompare(names.get(b.regionId) ?? b.regionId))
      .map((w) => {
        const tr = el('tr', { data: { region: w.regionId } },
          el('td', {}, names.get(w.regionId) ?? w.regionId),
          el('td', {}, `${fmtTime(w.windowStart)}–${fmtTime(w.windowEnd)}`),
          el('td', { class: 'num' }, fmtInt(w.tripCount)),
          el('td', { class: 'num' }, fmtInt(w.completedCount)),
          el('td', { class: 'num' }, fmtPct(w.cancellationRate)),
          el('td', { class: 'num' }, fmtMoney(w.averagePrice)),
          el('td', { class: 'num' }, fmtMoney(w.revenue)),
          el('td', {}, badge(w.isFinal ? 'final' : 'open')));
        if (w.regionId === flash) tr.classList.add('flash');
        return tr;
      });
    fillRows(table, rows);
  };

  const keepRegion = (w: RegionWindow): boolean => {
    const had = regions.get(w.regionId);
    if (had && had.windowStart > w.windowStart) return false; // a late update of an older window
    regions.set(w.regionId, w);
    return true;
  };

  void (async () => {
    try {
      const [r, p] = await Promise.all([
        api.query<{ regions: { id: string; name: string }[] }>(REGIONS),
        api.query<{ platformWindows: WindowFields[] }>(PLATFORM_WINDOWS, { m: WINDOW_MINUTES }),
      ]);
      for (const x of r.regions) names.set(x.id, x.name);
      for (const w of p.platformWindows) platform.set(w.windowStart, w);
      renderPlatform();
      const latest = await Promise.all(r.regions.map((x) => api.query<{ regionWindows: RegionWindow[] }>(REGION_WINDOWS, { r: x.id, m: WINDOW_MINUTES })));
      for (const l of latest) for (const w of l.regionWindows) keepRegion(w);
      renderRegions();
    } catch (e) {
      panelError('panel-live', e instanceof Error ? e.message : String(e));
    }
  })();

  api.subscribe<{ platformTotals: WindowFields }>(PLATFORM_LIVE, { m: WINDOW_MINUTES }, (d) => {
    countLive();
    platform.set(d.platformTotals.windowStart, d.platformTotals);
    renderPlatform();
  }, (m) => panelError('panel-live', m));
  api.subscribe<{ regionAggregates: RegionWindow }>(REGION_LIVE, { m: WINDOW_MINUTES }, (d) => {
    countLive();
    if (!keepRegion(d.regionAggregates)) return;
    flash = d.regionAggregates.regionId;
    renderRegions();
  }, (m) => panelError('panel-live', m));
}
