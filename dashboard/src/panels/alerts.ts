/** Alerts as they arrive (`subscription alerts`): newest first, the last 50 kept. */
import type { Api } from '../api.ts';
import { badge, byId, el, fmtDateTime, panelError } from '../dom.ts';
import { ALERTS_LIVE, type PipelineAlert } from '../queries.ts';

const KEEP = 50;

export function startAlertsPanel(api: Api): void {
  const list = byId<HTMLOListElement>('alert-list');
  const empty = byId('panel-alerts').querySelector<HTMLElement>('.empty');
  let count = 0;
  api.subscribe<{ alerts: PipelineAlert }>(ALERTS_LIVE, {}, (d) => {
    const a = d.alerts;
    count++;
    byId('alert-count').textContent = String(count);
    if (empty) empty.hidden = true;
    const where = [a.kind, a.source, a.dag, a.task, a.logicalDate].filter((x): x is string => typeof x === 'string' && x !== '').join(' · ');
    list.prepend(el('li', { class: 'alert', data: { severity: a.severity, id: a.id } },
      el('div', { class: 'alert-head' }, badge(a.severity), el('span', { class: 'muted' }, fmtDateTime(a.raisedAt)), el('span', { class: 'muted' }, where)),
      el('div', { class: 'alert-message' }, a.message)));
    while (list.children.length > KEEP) list.lastElementChild?.remove();
  }, (m) => panelError('panel-alerts', m));
}
