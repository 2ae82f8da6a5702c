import { describe, expect, it } from 'vitest';
import { parseAdjustmentsCsv } from '../../scripts/adjustments-csv';

describe('Function: parseAdjustmentsCsv', () => {
  it('reads rows in any column order, with quoted commas and quotes, a byte-order mark and CRLF', () => {
    const csv =
      '\uFEFFreason,points,customerId,adjustmentId,note\r\n"Late delivery, sorry",500,c-1,goodwill-1,x\r\n"Said ""thanks""",-20,c-2,goodwill-1,\r\n\r\n';
    expect(parseAdjustmentsCsv(csv)).toEqual({
      adjustments: [
        { adjustmentId: 'goodwill-1', customerId: 'c-1', points: 500, reason: 'Late delivery, sorry' },
        { adjustmentId: 'goodwill-1', customerId: 'c-2', points: -20, reason: 'Said "thanks"' },
      ],
      errors: [],
    });
  });

  it('names every bad row by its line and the field, so a file is refused whole', () => {
    const csv = [
      'adjustmentId,customerId,points,reason',
      'a-1,c-1,100,ok',
      'a-2,c-1,0,zero',
      'a-3,c-1,10.5,fraction',
      'a-4,c-1,1e3,exponent',
      'a-5,c-1,100,',
      'a 6,c-1,100,space in id',
      'a-1,c-1,100,ok again',
      'a-1,c-2,100,another member may share the id',
    ].join('\n');
    expect(parseAdjustmentsCsv(csv).errors).toEqual([
      'line 3: points: must not be 0',
      expect.stringMatching(/^line 4: points: /),
      expect.stringMatching(/^line 5: points: /),
      'line 6: reason: is required',
      'line 7: adjustmentId: must be letters, digits, _ . : or -',
      'line 8: adjustmentId: a-1 for c-1 is already on line 2',
    ]);
  });

  it('refuses a file without the columns it needs', () => {
    expect(parseAdjustmentsCsv('customerId,points\nc-1,5\n').errors).toEqual([
      'line 1: missing column adjustmentId, reason (needs adjustmentId, customerId, points, reason)',
    ]);
  });
});
