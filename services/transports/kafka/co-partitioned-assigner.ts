import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Partition p of every subscribed topic goes to the same member (member p mod n, members sorted
 * by id): the co-partitioned assignment that joins need, as in Kafka Streams. A detector that
 * reads two streams keyed alike (vulns: image package records and advisories, both keyed by
 * package) then sees both sides of a key in one processor; kafkajs' round-robin assigner deals
 * the partitions of all topics out in one sequence, which splits partition p of two topics across
 * members whenever the member count does not divide the partition count.
 */
export function coPartitionedAssignment(memberIds: readonly string[], partitionsByTopic: ReadonlyMap<string, readonly number[]>): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const out = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  if (members.length === 0) return out;
  for (const [topic, partitions] of partitionsByTopic) {
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const a = out.get(members[p % members.length]!)!;
      (a[topic] ??= []).push(p);
    }
  }
  return out;
}

export const CO_PARTITIONED_ASSIGNER_NAME = 'SluiceCoPartitioned';

/**
 * The kafkajs assigner around coPartitionedAssignment. Listed before kafkajs' round robin, so a
 * group whose members all run this version uses it, and a group mid-upgrade falls back to round
 * robin (the group protocol is one every member supports).
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const byTopic = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      byTopic,
    );
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_PARTITIONED_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
