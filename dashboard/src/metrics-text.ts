/** The few series the page reads from the gateway's `/metrics` (Prometheus text format 0.0.4). */

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Samples of the metrics named, by name. */
export function parseMetrics(text: string, names: readonly string[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m?.[1]) continue;
    const list = out.get(m[1]);
    if (!list) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) if (l[1]) labels[l[1]] = (l[2] ?? '').replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    list.push({ labels, value: Number(m[3]) });
  }
  return out;
}
