/**
 * Which partition a key goes to: kafkajs' DefaultPartitioner (murmur2, the Java client's), which for
 * a keyed record depends only on the key and the partition count. The connector computes it up front
 * so each published record's offset can be told from the broker's base offset of its partition.
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, PartitionMetadata[]>();

function metadataOf(count: number): PartitionMetadata[] {
  let m = metadataCache.get(count);
  if (!m) {
    m = Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
    if (metadataCache.size < 64) metadataCache.set(count, m);
  }
  return m;
}

/** The partition (0..partitions-1) Kafka's default partitioner gives `key`. */
export function kafkaPartitionFor(topic: string, key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partition count must be a positive integer, got ${partitions}`);
  return partitioner({ topic, partitionMetadata: metadataOf(partitions), message: { key, value: null } });
}
