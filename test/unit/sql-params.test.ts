import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramValue, splitPlaceholders, type SqlPiece } from '../../connectors/support/sql-params.ts';
import type { SqlParams } from '../../connectors/contracts/warehouse.ts';
import { isPlatformError } from '../../schema/errors.ts';

const params = (pieces: SqlPiece[]): string[] => pieces.flatMap((p) => ('param' in p ? [p.param] : []));
const rejoin = (pieces: SqlPiece[]): string => pieces.map((p) => ('text' in p ? p.text : `{${p.param}}`)).join('');
const paramInvalid = (e: unknown): boolean => isPlatformError(e) && e.code === 'SQL_PARAM_INVALID';

void describe('splitPlaceholders', () => {
  void it('splits text and placeholders in order, losing nothing', () => {
    const sql = 'SELECT a FROM t WHERE b = {b} AND c IN ({cs}) LIMIT {n}';
    const pieces = splitPlaceholders(sql);
    assert.deepEqual(pieces, [
      { text: 'SELECT a FROM t WHERE b = ' }, { param: 'b' }, { text: ' AND c IN (' }, { param: 'cs' }, { text: ') LIMIT ' }, { param: 'n' },
    ]);
    assert.equal(rejoin(pieces), sql);
  });

  void it('leaves braces inside string literals, quoted identifiers and comments alone', () => {
    const cases = [
      "SELECT '{x}' AS s, {y} AS y",
      "SELECT 'it''s {x}' AS s, {y} AS y",
      "SELECT 'a\\'{x}' AS s, {y} AS y",
      'SELECT "{x}" AS s, {y} AS y',
      'SELECT `{x}` AS s, {y} AS y',
      'SELECT 1 -- {x}\n, {y} AS y',
      'SELECT /* {x} */ {y} AS y',
    ];
    for (const sql of cases) {
      const pieces = splitPlaceholders(sql);
      assert.deepEqual(params(pieces), ['y'], sql);
      assert.equal(rejoin(pieces), sql);
    }
  });

  void it('keeps braces that are not placeholders as text', () => {
    for (const sql of ['SELECT { x } AS a', 'SELECT {1x} AS a', 'SELECT {} AS a', "SELECT map{'a': 1}", 'SELECT {x']) {
      const pieces = splitPlaceholders(sql);
      assert.deepEqual(params(pieces), [], sql);
      assert.equal(rejoin(pieces), sql);
    }
    assert.deepEqual(params(splitPlaceholders('SELECT {{x}}')), ['x']);
  });

  void it('handles a repeated placeholder, adjacent placeholders and unterminated literals and comments', () => {
    assert.deepEqual(params(splitPlaceholders('{a}{a}{_b2}')), ['a', 'a', '_b2']);
    assert.deepEqual(params(splitPlaceholders("SELECT {a}, 'open {b}")), ['a']);
    assert.deepEqual(params(splitPlaceholders('SELECT {a} /* open {b}')), ['a']);
    assert.deepEqual(params(splitPlaceholders('SELECT {a} -- {b}')), ['a']);
    assert.deepEqual(splitPlaceholders(''), []);
  });
});

void describe('paramValue', () => {
  void it('returns bindable values as they are', () => {
    const p: SqlParams = { s: "x'; DROP TABLE t; --", n: 1.5, i: -3, b: false, z: null, list: ['a', 'b'], nums: [1, 2], empty: [] };
    for (const k of Object.keys(p)) assert.deepEqual(paramValue(p, k), p[k]);
  });

  void it('refuses a missing or undefined parameter', () => {
    assert.throws(() => paramValue(undefined, 'x'), paramInvalid);
    assert.throws(() => paramValue({}, 'x'), paramInvalid);
    assert.throws(() => paramValue({ x: undefined } as unknown as SqlParams, 'x'), paramInvalid);
    assert.throws(() => paramValue(Object.create({ x: 1 }) as SqlParams, 'x'), paramInvalid, 'inherited keys do not count');
  });

  void it('refuses values no engine can bind', () => {
    const bad: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, 10n, { a: 1 }, new Date(0), [Number.NaN], [null], [true], [['nested']]];
    for (const v of bad) assert.throws(() => paramValue({ x: v } as unknown as SqlParams, 'x'), paramInvalid, String(v));
  });

  void it('names the parameter in the error', () => {
    assert.throws(() => paramValue({}, 'region_id'), (e: unknown) => isPlatformError(e) && e.message.includes('{region_id}') && e.details.param === 'region_id');
  });
});
