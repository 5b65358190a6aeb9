import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, fetch, fetchRequest, listOffset, produce } from './support.js';

/** What Fetch and ListOffsets answer once retention moved the log start offset (here: into a batch). */
describe('after the log start offset moved', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'trimmed', 1);
    // offsets 0-2 at 100..102, 3-4 at 900 and 200, 5-8 at 300..303
    await produce(client, 'trimmed', 0, buildBatch([0, 1, 2].map((d) => ({ value: 'a', timestampDelta: d })), { baseTimestamp: 100 }));
    await produce(client, 'trimmed', 0, buildBatch([{ value: 'b', timestampDelta: 700 }, { value: 'c', timestampDelta: 0 }], { baseTimestamp: 200 }));
    await produce(client, 'trimmed', 0, buildBatch([0, 1, 2, 3].map((d) => ({ value: 'd', timestampDelta: d })), { baseTimestamp: 300 }));
    broker.broker.log.partition('trimmed', 0)!.advanceLogStart(4);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  it('Fetch: below the start is out of range; at the start the holding batch comes whole', async () => {
    const below = await fetch(client, fetchRequest([{ topic: 'trimmed', partition: 0, offset: 3 }]));
    expect(below.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const at = await fetch(client, fetchRequest([{ topic: 'trimmed', partition: 0, offset: 4 }]));
    const p = at.responses[0]!.partitions[0]!;
    expect(p).toMatchObject({ errorCode: 0, logStartOffset: 4n, highWatermark: 9n });
    expect(p.records!.readInt32BE(4)).toBe(3);
  });

  it('ListOffsets: earliest is the start, and nothing below it is found by timestamp', async () => {
    expect((await listOffset(client, 'trimmed', 0, -2)).offset).toBe(4n);
    expect(await listOffset(client, 'trimmed', 0, 0)).toMatchObject({ offset: 4n, timestamp: 200n });
    expect(await listOffset(client, 'trimmed', 0, 201)).toMatchObject({ offset: 5n, timestamp: 300n });
    // The largest timestamp (900, offset 3) is below the start: the largest that is left wins.
    expect(await listOffset(client, 'trimmed', 0, -3)).toMatchObject({ offset: 8n, timestamp: 303n });
  });
});
