/**
 * Model health, per registered model: the champion and challenger (registry aliases), the gate, the
 * latest drift report (`driftReports`) and the online precision/recall of the champion's version
 * (`modelQuality`, classifiers with labels only). Refreshed every 15 s.
 */
import type { Api } from '../api.ts';
import { badge, byId, el, fillRows, fmtPct, poll } from '../dom.ts';
import { MODEL_HEALTH, MODELS } from '../queries.ts';

interface Model {
  readonly name: string;
  readonly loaded: boolean;
  readonly champion: { readonly version: string; readonly stage: string; readonly trainedAt: string } | null;
  readonly challenger: { readonly version: string } | null;
  readonly gate: { readonly passed: boolean; readonly failures: readonly string[] };
}
interface Health {
  readonly driftReports: readonly { readonly modelVersion: string; readonly logicalDate: string; readonly datasetDrift: boolean; readonly share: number; readonly driftedColumns: number; readonly columnCount: number }[];
  readonly modelQuality: {
    readonly versions: readonly { readonly version: string; readonly degraded: boolean; readonly total: { readonly labelled: number; readonly precision: number | null; readonly recall: number | null } }[];
  } | null;
}

function driftCell(h: Health | null): Node | string {
  const d = h?.driftReports[0];
  if (!d) return el('span', { class: 'muted', title: 'no drift report yet' }, 'none');
  return el('span', { title: `${d.logicalDate}, version ${d.modelVersion}` },
    badge(d.datasetDrift ? 'drift' : 'stable', d.datasetDrift ? 'error' : 'pass'), ` ${d.driftedColumns}/${d.columnCount} (${fmtPct(d.share)})`);
}

function precisionCell(m: Model, h: Health | null): Node | string {
  const versions = h?.modelQuality?.versions ?? [];
  const v = versions.find((x) => x.version === m.champion?.version) ?? versions.at(-1);
  if (!v) return '–';
  return el('span', { title: `version ${v.version}, ${v.total.labelled} labelled, recall ${fmtPct(v.total.recall)}` },
    badge(v.degraded ? 'degraded' : 'ok', v.degraded ? 'error' : 'pass'), ` ${fmtPct(v.total.precision)} (v${v.version})`);
}

export function startModelsPanel(api: Api): void {
  poll('panel-models', 15_000, async () => {
    const { models } = await api.query<{ models: Model[] }>(MODELS);
    // a model without drift reports or labels answers empty/null; an error there only blanks its cells
    const health = await Promise.all(models.map((m) => api.query<Health>(MODEL_HEALTH, { name: m.name }).catch(() => null)));
    fillRows(byId<HTMLTableElement>('model-table'), models.map((m, i) => {
      const h = health[i] ?? null;
      return el('tr', { data: { model: m.name } },
        el('td', {}, m.name),
        el('td', {}, m.champion ? `v${m.champion.version}${m.loaded ? '' : ' (not loaded)'}` : 'none'),
        el('td', {}, m.challenger ? `v${m.challenger.version}` : '–'),
        el('td', { title: m.gate.failures.join('\n') }, badge(m.gate.passed ? 'passed' : 'failed', m.gate.passed ? 'pass' : 'error')),
        el('td', {}, driftCell(h)),
        el('td', {}, precisionCell(m, h)));
    }));
  });
}
