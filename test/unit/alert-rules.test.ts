/**
 * The shipped Prometheus rules (operations/prometheus/rules) against the code and docs, without
 * Prometheus (promtool runs in the services suite, test/integration/prometheus-alerts.test.ts):
 * every `gofuture_*` metric a rule reads is in the catalogue schema/operations/metric-names.ts with
 * the labels the rule groups by; every alert has a severity, a summary and a runbook anchor that
 * exists in docs/operations.md; every alert is exercised by a promtool unit test; alert names are
 * unique. And the Alertmanager -> platform alert mapping.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { AlertmanagerWebhookSchema, toPipelineAlert } from '../../schema/operations/alertmanager-webhook.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES = path.join(ROOT, 'operations/prometheus/rules');
const TESTS = path.join(ROOT, 'operations/prometheus/tests');

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleFile { groups: { name: string; rules: Rule[] }[] }
interface TestFile { rule_files: string[]; tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }

async function yamlFiles<T>(dir: string): Promise<{ file: string; doc: T }[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.yml')).sort();
  return Promise.all(names.map(async (file) => ({ file, doc: yaml.load(await readFile(path.join(dir, file), 'utf8')) as T })));
}

/** Metric names in a PromQL expression: identifiers followed by `{`, `[`, `)` or space that are metrics of ours or `up`. */
function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:gofuture|gateway)_[a-z0-9_]+)/g)].map((m) => m[1] ?? ''))];
}

const known = new Map(Object.values(METRICS).map((m) => [m.name, m]));
/** A histogram's series: name_bucket / _sum / _count. */
function specOf(name: string): (typeof METRICS)[keyof typeof METRICS] | undefined {
  return known.get(name) ?? known.get(name.replace(/_(bucket|sum|count)$/, ''));
}

void describe('Prometheus alert rules', async () => {
  const rules = await yamlFiles<RuleFile>(RULES);
  const alerts = rules.flatMap(({ file, doc }) => doc.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ file, rule: r, name: r.alert ?? '' }))));
  const runbook = await readFile(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const anchors = new Set([...runbook.matchAll(/^###\s+(.+)$/gm)].map((m) => (m[1] ?? '').trim().toLowerCase()));

  void it('ship the alerts the issue asks for', () => {
    const names = new Set(alerts.map((a) => a.name));
    for (const want of ['ConsumerLagHigh', 'DeadLetterRateHigh', 'JobFailed', 'JobStalled', 'SagaFailureRateHigh', 'QualityTestFailed', 'ModelDriftDetected', 'PredictionLatencyHigh', 'SubgraphDown']) {
      assert.ok(names.has(want), `no alert ${want}`);
    }
    assert.equal(names.size, alerts.length, 'alert names are unique');
  });

  void it('read only catalogued metrics, by labels the metric has', () => {
    for (const { file, name, rule } of alerts) {
      const used = metricNames(rule.expr);
      assert.ok(used.length > 0 || /\bup\b/.test(rule.expr), `${file} ${name} reads no metric`);
      for (const m of used) {
        const s = specOf(m);
        assert.ok(s, `${file} ${name}: ${m} is not in schema/operations/metric-names.ts`);
        if (!s) continue;
        const labels = new Set<string>([...s.labels, ...(s.type === 'histogram' ? ['le'] : [])]);
        // labels in `{label="..."}` selectors right after the metric name
        for (const sel of rule.expr.matchAll(new RegExp(`${m}\\{([^}]*)\\}`, 'g'))) {
          for (const l of (sel[1] ?? '').matchAll(/([a-z_]+)\s*(?:=|!=|=~|!~)/g)) assert.ok(labels.has(l[1] ?? ''), `${name}: ${m} has no label ${l[1]}`);
        }
      }
    }
  });

  void it('carry a severity, a summary and a runbook that exists', () => {
    for (const { name, rule } of alerts) {
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${name}: severity critical or warning`);
      assert.ok(rule.annotations?.summary, `${name}: summary`);
      assert.equal(rule.annotations?.runbook_url, `docs/operations.md#${name.toLowerCase()}`, `${name}: runbook_url`);
      assert.ok(anchors.has(name.toLowerCase()), `${name}: docs/operations.md has no "### ${name}" section`);
    }
  });

  void it('each have a promtool unit test that expects them to fire', async () => {
    const tests = await yamlFiles<TestFile>(TESTS);
    const fired = new Set<string>();
    const covered = new Set<string>();
    for (const { doc } of tests) {
      for (const f of doc.rule_files) covered.add(path.basename(f));
      for (const t of doc.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) fired.add(a.alertname);
    }
    for (const { file } of rules) assert.ok(covered.has(file), `no test file loads rules/${file}`);
    for (const { name } of alerts) assert.ok(fired.has(name), `no promtool test expects ${name} to fire`);
  });
});

void describe('Alertmanager webhook payload -> platform alert', () => {
  const payload = (status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string> = {}): unknown => ({
    version: '4', groupKey: '{}:{alertname="X"}', status, receiver: 'gofuture', groupLabels: {}, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://am',
    alerts: [{ status, labels, annotations, startsAt: '2026-12-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'abc' }],
  });

  void it('maps severity, name, job and labels into the message', () => {
    const p = AlertmanagerWebhookSchema.parse(payload('firing', { alertname: 'DeadLetterRateHigh', severity: 'warning', job: 'landing-trips', instance: '127.0.0.1:4000' }, { summary: 'Job landing-trips dead-letters 100% of its events' }));
    const a = toPipelineAlert(p.alerts[0]!);
    assert.deepEqual(a, {
      severity: 'warn', kind: 'prometheus', dag: null, task: 'landing-trips', source: 'DeadLetterRateHigh', logicalDate: null,
      message: '[FIRING] DeadLetterRateHigh: Job landing-trips dead-letters 100% of its events (instance=127.0.0.1:4000, job=landing-trips)',
    });
    const r = toPipelineAlert(AlertmanagerWebhookSchema.parse(payload('resolved', { alertname: 'SubgraphDown', severity: 'critical', subgraph: 'trips' })).alerts[0]!);
    assert.equal(r.severity, 'error');
    assert.equal(r.task, null);
    assert.equal(r.message, '[RESOLVED] SubgraphDown: SubgraphDown (subgraph=trips)');
  });

  void it('refuses other payload versions and shapes', () => {
    assert.equal(AlertmanagerWebhookSchema.safeParse({ ...(payload('firing', { alertname: 'X' }) as object), version: '3' }).success, false);
    assert.equal(AlertmanagerWebhookSchema.safeParse({ version: '4', alerts: 'no' }).success, false);
  });
});
