/**
 * Window specs as data: every shipped spec validates; a spec that is malformed or reads a field its
 * events lack is refused with WINDOW_SPEC_INVALID naming the spec and the path; the windows config
 * picks specs by name and splits them over members; the default group follows the definitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformError } from '../../schema/errors.ts';
import { parseWindowSpec, parseWindowSpecs, SPEC_CATALOGUE, SEED_001_SPECS, type WindowSpecInput } from '../../schema/windows/index.ts';
import { WindowsConfigSchema } from '../../jobs/windows/config.ts';
import { configuredSpecs, groupIdOf, memberSpecs } from '../../jobs/windows/spec-selection.ts';

const base: WindowSpecInput = {
  name: 'test-spec',
  description: 'a test',
  window: { kind: 'tumbling', sizeMinutes: 10 },
  keyBy: ['region'],
  measures: { payments: { kind: 'count', events: ['PaymentInitiated'] } },
};

function refusal(raw: unknown): { path: unknown; reason: unknown; spec: unknown } {
  try {
    parseWindowSpec(raw);
  } catch (e) {
    assert.ok(e instanceof PlatformError);
    assert.equal(e.code, 'WINDOW_SPEC_INVALID');
    return { spec: e.details['spec'], path: e.details['path'], reason: e.details['reason'] };
  }
  assert.fail('the spec was accepted');
}

void test('every shipped spec validates, and seed 001 has all five of its aggregations', () => {
  const specs = parseWindowSpecs(SPEC_CATALOGUE);
  assert.equal(specs.length, SPEC_CATALOGUE.length);
  assert.deepEqual(SEED_001_SPECS.map((s) => s.window.kind), ['hopping', 'tumbling', 'tumbling', 'tumbling', 'tumbling']);
  assert.equal(parseWindowSpec(base).allowedLatenessMs, 30_000, 'lateness default filled');
});

void test('malformed specs are refused with the spec and path named', () => {
  assert.deepEqual(refusal({ ...base, window: { kind: 'hopping', sizeMinutes: 15, slideMinutes: 4 } }).path, 'window');
  assert.equal(refusal({ ...base, name: 'Bad Name' }).path, 'name');
  assert.equal(refusal({ ...base, measures: {} }).path, 'measures');
  assert.equal(refusal({ ...base, measures: { x: { kind: 'count', events: ['NoSuchEvent'] } } }).path, 'measures.x.events.0');
  assert.equal(refusal({ ...base, extra: 1 }).spec, 'test-spec');
});

void test('fields are checked against the event contracts', () => {
  assert.deepEqual(refusal({ ...base, keyBy: ['driver'] }), { spec: 'test-spec', path: 'keyBy.0', reason: 'PaymentInitiated carries no "driver" (every event a spec reads must carry its keys)' });
  assert.equal(refusal({ ...base, measures: { s: { kind: 'sum', field: 'method', events: ['PaymentInitiated'] } } }).path, 'measures.s.field');
  assert.equal(refusal({ ...base, measures: { d: { kind: 'distinct', dimension: 'weather', events: ['PaymentInitiated'] } } }).path, 'measures.d.dimension');
  assert.equal(refusal({ ...base, measures: { c: { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'fare', gt: 1 }] } } }).path, 'measures.c.where.0.field');
  assert.match(String(refusal({ ...base, measures: { ...base.measures, r: { kind: 'ratio', numerator: 'nope', denominator: ['payments'] } } }).reason), /unknown measure "nope"/);
  assert.match(String(refusal({ ...base, measures: { ...base.measures, r: { kind: 'ratio', numerator: 'payments', denominator: ['payments'] }, f: { kind: 'flag', measure: 'r', atLeast: 1 } } }).reason), /derived measure "r"/);
  assert.throws(() => parseWindowSpecs([base, base]), (e: unknown) => e instanceof PlatformError && e.code === 'WINDOW_SPEC_INVALID' && /two specs/.test(e.message));
});

void test('config picks specs by name, splits them over members, and the default group follows the definitions', () => {
  const all = WindowsConfigSchema.parse({ specs: ['region-5m', 'platform-5m', 'rider-hourly', 'driver-activity'] });
  assert.deepEqual(configuredSpecs(all).map((s) => s.name), ['region-5m', 'platform-5m', 'rider-hourly', 'driver-activity']);
  assert.throws(() => configuredSpecs(WindowsConfigSchema.parse({ specs: ['nope'] })), (e: unknown) => e instanceof PlatformError && e.code === 'CONFIG_INVALID');
  const members = [0, 1, 2].map((index) => memberSpecs({ ...all, member: { index, count: 3 } }).map((s) => s.name));
  assert.deepEqual(members.flat().sort(), configuredSpecs(all).map((s) => s.name).sort(), 'every spec runs on exactly one member');
  const g1 = groupIdOf(all, configuredSpecs(all));
  const changed = WindowsConfigSchema.parse({ ...all, specs: ['region-5m'], extraSpecs: [{ ...base, name: 'platform-5m' }] });
  assert.notEqual(groupIdOf(changed, configuredSpecs(changed)), g1, 'another definition is another group');
  assert.equal(groupIdOf({ ...all, groupId: 'fixed' }, []), 'fixed');
});

void test('lateness groups: one lateness per group, no session windows, and a group runs on one member', () => {
  const grouped = (name: string, extra: Partial<WindowSpecInput> = {}): WindowSpecInput => ({ ...base, name, latenessGroup: 'g', ...extra });
  assert.equal(parseWindowSpecs([grouped('a'), grouped('b', { window: { kind: 'tumbling', sizeMinutes: 30 } })]).length, 2);
  const refused = (specs: WindowSpecInput[]): { path: unknown; reason: unknown } => {
    try {
      parseWindowSpecs(specs);
    } catch (e) {
      assert.ok(e instanceof PlatformError && e.code === 'WINDOW_SPEC_INVALID');
      return { path: e.details['path'], reason: e.details['reason'] };
    }
    return assert.fail('the specs were accepted');
  };
  assert.deepEqual(refused([grouped('a'), grouped('b', { allowedLatenessMs: 1000 })]), { path: 'allowedLatenessMs', reason: 'lateness group g needs one allowedLatenessMs (a has 30000)' });
  assert.equal(refused([grouped('a', { window: { kind: 'session', gapMinutes: 5 } })]).path, 'latenessGroup');
  // the region specs are one group: whatever the member count, they all land on one member
  const regions = ['region-5m', 'platform-5m', 'region-15m', 'platform-15m', 'region-60m', 'platform-60m'];
  for (const count of [2, 3, 5]) {
    const config = WindowsConfigSchema.parse({ specs: [...regions, 'rider-hourly', 'driver-activity'] });
    const owners = regions.map((r) => [...Array(count).keys()].find((index) => memberSpecs({ ...config, member: { index, count } }).some((s) => s.name === r)));
    assert.equal(new Set(owners).size, 1, `count ${count}: ${owners.join(',')}`);
  }
});
