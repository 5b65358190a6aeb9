/**
 * OffsetForLeaderEpoch: each partition has one epoch (0), which ends at the log end; other
 * epochs are undefined (-1, -1); current_leader_epoch is checked like Fetch's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  OffsetForLeaderEpochApi,
  type OffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochResponseEpochEndOffset,
} from '../../protocol/generated/offset-for-leader-epoch.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, produce } from './support.js';

const T = { unknownTaggedFields: [] as never[] };

describe('OffsetForLeaderEpoch', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'epochs', 2);
    await produce(client, 'epochs', 0, buildSimpleBatch(5));
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  async function ask(version: number, partitions: Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }>, topic = 'epochs'):
    Promise<OffsetForLeaderEpochResponseEpochEndOffset[]> {
    const r = await client.request<OffsetForLeaderEpochResponse>(OffsetForLeaderEpochApi.apiKey, version, {
      replicaId: -1,
      topics: [{ topic, partitions: partitions.map((p) => ({ ...p, ...T })), ...T }],
      ...T,
    });
    return r.topics[0]!.partitions;
  }

  it('epoch 0 ends at the log end offset, at every version', async () => {
    for (const version of [0, 2, 3, 4]) {
      const [p0, p1] = await ask(version, [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }, { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 }]);
      expect([p0!.errorCode, p0!.endOffset, p1!.errorCode, p1!.endOffset], `v${version}`).toEqual([0, 5n, 0, 0n]);
      if (version >= 1) expect([p0!.leaderEpoch, p1!.leaderEpoch]).toEqual([0, 0]);
    }
  });

  it('an epoch the partition never had is undefined, without an error', async () => {
    const [p] = await ask(4, [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 7 }]);
    expect([p!.errorCode, p!.leaderEpoch, p!.endOffset]).toEqual([ErrorCode.NONE, -1, -1n]);
  });

  it('checks current_leader_epoch and the partition', async () => {
    const [newer] = await ask(4, [{ partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 }]);
    expect([newer!.errorCode, newer!.endOffset]).toEqual([ErrorCode.UNKNOWN_LEADER_EPOCH, -1n]);
    const [missing] = await ask(4, [{ partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 }]);
    expect(missing!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [noTopic] = await ask(4, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'nope');
    expect(noTopic!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
