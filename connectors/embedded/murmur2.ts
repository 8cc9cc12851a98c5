/**
 * Kafka's murmur2 (the Java client's Utils.murmur2, also kafkajs' DefaultPartitioner), so a key
 * lands on the same partition number here as on Kafka: positive(murmur2(utf8(key))) % partitions.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();

/** Hashes of recently seen keys (keys repeat: regions, drivers, users). */
const cache = new Map<string, number>();
const CACHE_MAX = 50_000;

/** The partition Kafka's default partitioner picks for `key` among `partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  let h = cache.get(key);
  if (h === undefined) {
    h = murmur2(encoder.encode(key)) & 0x7fffffff;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, h);
  }
  return h % partitions;
}
