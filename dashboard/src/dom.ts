/** Small DOM helpers: elements built with textContent only (no HTML strings), number formats, panel errors. */

type Child = Node | string | number | null | undefined;

export interface ElOptions {
  readonly class?: string;
  readonly title?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, opts: ElOptions = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.title) node.title = opts.title;
  for (const [k, v] of Object.entries(opts.data ?? {})) node.dataset[k] = v;
  for (const c of children) if (c !== null && c !== undefined) node.append(typeof c === 'number' ? String(c) : c);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** Replaces a table body's rows. */
export function fillRows(table: HTMLTableElement, rows: readonly HTMLTableRowElement[]): void {
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(...rows);
}

export const row = (...cells: Child[]): HTMLTableRowElement => el('tr', {}, ...cells.map((c) => el('td', {}, c)));

const int = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

export const fmtInt = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : int.format(n));
export const fmtMoney = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : money.format(n));
export const fmtPct = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : pct.format(n));
export const fmtTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toISOString().slice(11, 19) : '–');
export const fmtDateTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toISOString().slice(0, 19).replace('T', ' ') : '–');

/** A badge whose colour follows `state` (CSS `[data-state]`). */
export const badge = (text: string, state: string = text): HTMLSpanElement => el('span', { class: 'pill', data: { state } }, text);

/** Shows (or, with null, hides) a panel's error line. */
export function panelError(panelId: string, message: string | null): void {
  const p = byId(panelId).querySelector<HTMLElement>('.error');
  if (!p) return;
  p.hidden = message === null;
  p.textContent = message ?? '';
}

/** Runs `load` now and every `everyMs`; `report` gets null after a success, the error after a failure. */
export function every(everyMs: number, load: () => Promise<void>, report: (e: unknown) => void): void {
  const run = (): void => {
    load().then(() => report(null), report);
  };
  run();
  setInterval(run, everyMs);
}

/** `every`, with a failure shown on the panel's error line. */
export function poll(panelId: string, everyMs: number, load: () => Promise<void>): void {
  every(everyMs, load, (e) => panelError(panelId, e === null ? null : e instanceof Error ? e.message : String(e)));
}
