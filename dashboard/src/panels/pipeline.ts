/**
 * Pipeline health: job states and counters (`jobs`, `counters`), consumer lag per group and topic and
 * dead letters by reason (the gateway's `/metrics`: gofuture_eventlog_consumer_lag,
 * gofuture_job_events_dead_lettered_total), and the latest data-quality runs (`qualityRuns`, lake).
 */
import type { Api } from '../api.ts';
import { badge, byId, el, fillRows, fmtDateTime, fmtInt, fmtTime, every, panelError, row } from '../dom.ts';
import { parseMetrics } from '../metrics-text.ts';
import { JOBS, QUALITY } from '../queries.ts';

const LAG = 'gofuture_eventlog_consumer_lag';
const DLQ = 'gofuture_job_events_dead_lettered_total';
/** The most lagging group/topic pairs shown (the card sums them all). */
const LAG_ROWS = 8;

interface Job { readonly job: string; readonly state: string; readonly processed: number; readonly deadLettered: number; readonly lastError: string | null; readonly updatedAt: string }
interface QualityRun { readonly model: string; readonly test: string; readonly status: string; readonly failures: number; readonly checkedAt: string }

function card(label: string, key: string, value: string): HTMLElement {
  return el('div', { class: 'card' }, el('span', { class: 'label' }, label), el('b', { data: { key } }, value));
}

export function startPipelinePanel(api: Api): void {
  const cards = { processed: '–', deadLettered: '–', lag: '–', quality: '–' };
  const renderCards = (): void => {
    byId('pipeline-cards').replaceChildren(
      card('Events processed', 'processed', cards.processed),
      card('Dead-lettered', 'dead-lettered', cards.deadLettered),
      card('Total lag', 'lag', cards.lag),
      card('Quality (pass/warn/error)', 'quality', cards.quality),
    );
  };
  renderCards();
  const errors = new Map<string, string>();
  const report = (part: string, e: unknown): void => {
    if (e === null) errors.delete(part);
    else errors.set(part, `${part}: ${e instanceof Error ? e.message : String(e)}`);
    panelError('panel-pipeline', errors.size > 0 ? [...errors.values()].join(' · ') : null);
  };

  every(5_000, async () => {
    const d = await api.query<{ jobs: Job[]; counters: { eventsProcessed: number; eventsDeadLettered: number } }>(JOBS);
    cards.processed = fmtInt(d.counters.eventsProcessed);
    cards.deadLettered = fmtInt(d.counters.eventsDeadLettered);
    renderCards();
    fillRows(byId<HTMLTableElement>('job-table'), [...d.jobs].sort((a, b) => a.job.localeCompare(b.job)).map((j) => el('tr', {},
      el('td', {}, j.job),
      el('td', { title: j.lastError ?? '' }, badge(j.state)),
      el('td', { class: 'num' }, fmtInt(j.processed)),
      el('td', { class: 'num' }, fmtInt(j.deadLettered)),
      el('td', {}, fmtTime(j.updatedAt)))));
  }, (e) => report('jobs', e));

  every(5_000, async () => {
    const res = await fetch('/metrics');
    if (!res.ok) throw new Error(`/metrics answered HTTP ${res.status}`);
    const m = parseMetrics(await res.text(), [LAG, DLQ]);
    const lag = (m.get(LAG) ?? []).sort((a, b) => b.value - a.value);
    cards.lag = fmtInt(lag.reduce((s, x) => s + x.value, 0));
    renderCards();
    const dlq = (m.get(DLQ) ?? []).filter((x) => x.value > 0);
    fillRows(byId<HTMLTableElement>('lag-table'), [
      ...lag.slice(0, LAG_ROWS).map((x) => row(x.labels.group ?? '?', x.labels.topic ?? '?', fmtInt(x.value))),
      ...dlq.map((x) => el('tr', { class: 'dlq' }, el('td', {}, x.labels.job ?? '?'), el('td', {}, `dead letters: ${x.labels.code ?? '?'}`), el('td', { class: 'num' }, fmtInt(x.value)))),
    ]);
  }, (e) => report('/metrics', e));

  every(30_000, async () => {
    const d = await api.query<{ qualityRuns: QualityRun[] }>(QUALITY);
    const n = (s: string): number => d.qualityRuns.filter((q) => q.status === s).length;
    cards.quality = `${n('pass')} / ${n('warn')} / ${n('error')}`;
    renderCards();
    fillRows(byId<HTMLTableElement>('quality-table'), d.qualityRuns.map((q) => el('tr', {},
      el('td', {}, q.model), el('td', {}, q.test), el('td', {}, badge(q.status)), el('td', { class: 'num' }, fmtInt(q.failures)), el('td', { title: fmtDateTime(q.checkedAt) }, fmtTime(q.checkedAt)))));
  }, (e) => report('quality runs', e));
}
