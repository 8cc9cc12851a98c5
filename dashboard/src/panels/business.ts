/**
 * The BI side: revenue per day (bars, last 14 UTC days), trips by region over the last 24 hours
 * (tripStats HOUR buckets summed per region) and the top drivers (driverStats). Refreshed every 30 s.
 */
import type { Api } from '../api.ts';
import { timeSeriesChart } from '../charts.ts';
import { badge, byId, el, fillRows, fmtInt, fmtMoney, fmtPct, poll } from '../dom.ts';
import { DRIVERS, REVENUE, TRIPS_BY_REGION } from '../queries.ts';

const EVERY_MS = 30_000;
const DAY_MS = 86_400_000;

interface RevenueDay { readonly date: string; readonly revenue: number; readonly payments: number }
interface TripBucket { readonly region: { readonly id: string; readonly name: string }; readonly trips: number; readonly completed: number; readonly cancelled: number; readonly revenue: number }
interface Driver {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly region: { readonly name: string } | null;
  readonly stats: { readonly tripsCompleted: number; readonly revenue: number; readonly averageRating: number | null; readonly ratingCount: number };
}

function startRevenue(api: Api): void {
  const chart = timeSeriesChart(byId('revenue-chart'), [
    { label: 'Revenue', stroke: '#f9c74f', fill: 'rgba(249,199,79,0.55)', format: (v) => fmtMoney(v) },
  ], true);
  poll('panel-revenue', EVERY_MS, async () => {
    const from = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 13 * DAY_MS).toISOString();
    const d = await api.query<{ revenuePerDay: RevenueDay[] }>(REVENUE, { from });
    const days = [...d.revenuePerDay].sort((a, b) => a.date.localeCompare(b.date));
    chart.setData(days.map((x) => Date.parse(`${x.date}T00:00:00Z`) / 1000), [days.map((x) => x.revenue)]);
  });
}

function startTripsByRegion(api: Api): void {
  poll('panel-regions', EVERY_MS, async () => {
    const d = await api.query<{ tripStats: TripBucket[] }>(TRIPS_BY_REGION, { from: new Date(Date.now() - DAY_MS).toISOString() });
    const by = new Map<string, { name: string; trips: number; completed: number; cancelled: number; revenue: number }>();
    for (const b of d.tripStats) {
      const r = by.get(b.region.id) ?? { name: b.region.name, trips: 0, completed: 0, cancelled: 0, revenue: 0 };
      r.trips += b.trips;
      r.completed += b.completed;
      r.cancelled += b.cancelled;
      r.revenue += b.revenue;
      by.set(b.region.id, r);
    }
    const rows = [...by.values()].sort((a, b) => b.trips - a.trips);
    const max = Math.max(1, ...rows.map((r) => r.trips));
    fillRows(byId<HTMLTableElement>('trips-by-region'), rows.map((r) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(100 * r.trips) / max}%`; // CSSOM, which the CSP's style-src does not govern
      return el('tr', {},
        el('td', {}, r.name),
        el('td', { class: 'num barcell' }, bar, el('span', {}, fmtInt(r.trips))),
        el('td', { class: 'num' }, fmtInt(r.completed)),
        el('td', { class: 'num' }, fmtPct(r.trips > 0 ? r.cancelled / r.trips : 0)),
        el('td', { class: 'num' }, fmtMoney(r.revenue)));
    }));
  });
}

function startDrivers(api: Api): void {
  poll('panel-drivers', EVERY_MS, async () => {
    const d = await api.query<{ driverStats: Driver[] }>(DRIVERS);
    fillRows(byId<HTMLTableElement>('driver-table'), d.driverStats.map((x) => el('tr', {},
      el('td', { title: x.id }, x.name ?? x.id),
      el('td', {}, x.region?.name ?? '–'),
      el('td', {}, x.status ? badge(x.status.toLowerCase()) : '–'),
      el('td', { class: 'num' }, fmtInt(x.stats.tripsCompleted)),
      el('td', { class: 'num' }, fmtMoney(x.stats.revenue)),
      el('td', { class: 'num' }, x.stats.averageRating === null ? '–' : `${x.stats.averageRating.toFixed(2)} (${x.stats.ratingCount})`))));
  });
}

export function startBusinessPanels(api: Api): void {
  startRevenue(api);
  startTripsByRegion(api);
  startDrivers(api);
}
