import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignOffsets, validateRecordSet } from '../../protocol/record-batch.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { checkFrame, encodeProduce, type ProducePart } from '../../src/log/framing.js';

const SEED = 9090;

describe('PRODUCE entry CRC from the batches own CRCs', () => {
  it('equals the CRC of a full pass over the entry, and the framed entry checks out', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), (sets) => {
        const parts: ProducePart[] = sets.map((counts, i) => {
          const records = Buffer.concat(counts.map((n, j) => buildSimpleBatch(n, `p${i}b${j}`)));
          const check = validateRecordSet(records);
          expect(check.errorCode).toBe(0);
          assignOffsets(records, check.batches, 1000 * i, 3);
          return { topicNum: i, partition: 0, baseOffset: 1000 * i, recordCount: check.recordCount, maxTimestamp: check.maxTimestamp, records, batches: check.batches };
        });
        const combined = encodeProduce(parts);
        const fullPass = encodeProduce(parts.map(({ batches: _unused, ...rest }) => rest));
        expect(combined.pieces[0]!.readUInt32BE(4)).toBe(fullPass.pieces[0]!.readUInt32BE(4));
        const entry = Buffer.concat(combined.pieces);
        expect(checkFrame(entry, 0, entry.length).kind).toBe('ok');
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
