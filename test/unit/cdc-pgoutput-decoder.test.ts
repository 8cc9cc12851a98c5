/**
 * The pgoutput decoder of the PostgreSQL change source on hand-built protocol messages (the
 * documented byte layout of protocol version 1): values converted like the snapshot's, one
 * transaction per Begin..Commit, and what cannot be decoded kept as `invalid` with a reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgoutputDecoder } from '../../connectors/postgres/pg-envelopes.ts';
import { formatLsn, parseLsn } from '../../connectors/postgres/pg-lsn.ts';

const str = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
const i8 = (n: number): Buffer => Buffer.from([n]);
const i16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const i64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b; };
const tag = (c: string): Buffer => Buffer.from(c, 'ascii');
const PG_EPOCH_US = 946_684_800_000_000n;

const begin = (lsn: bigint, xid: number, unixMs: number): Buffer => Buffer.concat([tag('B'), i64(lsn), i64(BigInt(unixMs) * 1000n - PG_EPOCH_US), i32(xid)]);
const commit = (lsn: bigint, end: bigint): Buffer => Buffer.concat([tag('C'), i8(0), i64(lsn), i64(end), i64(0n)]);
const relation = (oid: number, cols: readonly [string, number][]): Buffer => Buffer.concat([
  tag('R'), i32(oid), str('booking'), str('bookings'), tag('f'), i16(cols.length),
  ...cols.flatMap(([name, type], i) => [i8(i === 0 ? 1 : 0), str(name), i32(type), i32(-1)]),
]);
const tuple = (values: readonly (string | null)[]): Buffer => Buffer.concat([i16(values.length), ...values.map((v) => (v === null ? tag('n') : Buffer.concat([tag('t'), i32(Buffer.byteLength(v)), Buffer.from(v)])))]);
const insert = (oid: number, values: readonly (string | null)[]): Buffer => Buffer.concat([tag('I'), i32(oid), tag('N'), tuple(values)]);
const del = (oid: number, values: readonly (string | null)[]): Buffer => Buffer.concat([tag('D'), i32(oid), tag('O'), tuple(values)]);

void describe('pgoutput decoder', () => {
  void it('decodes a transaction into Debezium envelopes with converted values', () => {
    const d = new PgoutputDecoder({ name: 'gofuture', db: 'gofuture' }, () => false);
    const cols: [string, number][] = [['booking_id', 25], ['fare', 1700], ['paid', 16], ['seats', 23], ['at', 1184], ['meta', 3802]];
    assert.equal(d.push(100n, begin(0x3000n, 42, 1714550400000)), null);
    assert.equal(d.push(101n, relation(16400, cols)), null);
    assert.equal(d.push(102n, insert(16400, ['b1', '12.50', 't', '3', '2024-05-01 08:00:00+00', '{"x": 1}'])), null);
    assert.equal(d.push(103n, del(16400, ['b0', null, 'f', '1', null, null])), null);
    assert.ok(d.inTransaction);
    const r = d.push(104n, commit(0x3000n, 0x3040n));
    assert.ok(r && 'txn' in r);
    assert.equal(r.txn.xid, 42);
    assert.equal(r.txn.endLsn, 0x3040n);
    assert.deepEqual(r.txn.invalid, []);
    const [c, x] = r.txn.changes;
    assert.equal(c?.op, 'c');
    assert.deepEqual(c?.after, { booking_id: 'b1', fare: 12.5, paid: true, seats: 3, at: '2024-05-01T08:00:00.000Z', meta: '{"x": 1}' });
    assert.deepEqual(c?.source, { version: 'gofuture-1', connector: 'postgresql', name: 'gofuture', ts_ms: 1714550400000, snapshot: false, db: 'gofuture', schema: 'booking', table: 'bookings', txId: 42, lsn: 102 });
    assert.equal(x?.op, 'd');
    assert.deepEqual(x?.before, { booking_id: 'b0', fare: null, paid: false, seats: 1, at: null, meta: null });
    assert.equal(x?.after, null);
  });

  void it('keeps undecodable messages as invalid with a reason: in the transaction, or stray outside one', () => {
    const d = new PgoutputDecoder({ name: 'gofuture', db: 'gofuture' }, () => false);
    const stray = d.push(7n, Buffer.from('Zjunk'));
    assert.ok(stray && 'stray' in stray);
    assert.match(stray.stray.reason, /undecodable pgoutput message 'Z' at 7/);
    assert.equal(Buffer.from(stray.stray.raw, 'base64').toString(), 'Zjunk', 'raw bytes kept (base64)');
    d.push(8n, begin(0x10n, 1, 1714550400000));
    d.push(9n, insert(999, ['b1'])); // a relation never described
    d.push(10n, Buffer.from('Q?'));
    const r = d.push(11n, commit(0x10n, 0x20n));
    assert.ok(r && 'txn' in r);
    assert.deepEqual(r.txn.changes, []);
    assert.deepEqual(r.txn.invalid.map((i) => i.reason.replace(/ at \d+:.*/, '')), ["undecodable pgoutput message 'I'", "undecodable pgoutput message 'Q'"]);
  });

  void it('skips the tables it is told to (the state table)', () => {
    const d = new PgoutputDecoder({ name: 'g', db: 'g' }, (schema, table) => `${schema}.${table}` === 'booking.bookings');
    d.push(1n, begin(0x10n, 1, 1714550400000));
    d.push(2n, relation(1, [['booking_id', 25]]));
    d.push(3n, insert(1, ['b1']));
    const r = d.push(4n, commit(0x10n, 0x20n));
    assert.ok(r && 'txn' in r);
    assert.equal(r.txn.changes.length, 0);
  });

  void it('formats and parses LSNs', () => {
    assert.equal(parseLsn('16/B374D848'), 0x16b374d848n);
    assert.equal(formatLsn(0x16b374d848n), '16/B374D848');
    assert.equal(formatLsn(parseLsn('0/0')), '0/0');
    assert.throws(() => parseLsn('nope'), /not an LSN/);
  });
});
