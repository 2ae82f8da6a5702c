import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import type { Flow } from '../../functions/config/flows';
import { parseProgramConfig } from '../../functions/config/program';
import { inFlowHoldout, planRun, runKeyOf, UnknownStepError } from '../../functions/domain/flows/plan';

function flowOf(raw: unknown): Flow {
  const [flow] = parseProgramConfig({ ...demo, flows: [raw] }, 'test').flows;
  if (!flow) throw new Error('no flow');
  return flow;
}

const review = flowOf({
  id: 'review-request',
  name: 'Review request',
  trigger: { event: 'order.placed' },
  key: 'orderId',
  steps: [
    { id: 'settle', wait: 'P14D' },
    {
      id: 'reviewed',
      waitFor: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P7D' },
      matched: [{ id: 'thanks', points: 25, reason: 'Review bonus' }],
      timedOut: [{ id: 'ask', email: 'checkin' }],
    },
    { id: 'tell-shop', emit: 'review.flow-done' },
  ],
});
const now = Date.parse('2026-05-01T10:00:00Z');
const context = { customerId: 'anna', runKey: 'o1', entry: 1, facts: { tier: 'Silver' }, holdout: false };

describe('Function: planRun', () => {
  it('walks a run through waits, a waitFor and its two paths, continuing after the waitFor', () => {
    const entered = planRun(review, { kind: 'enter' }, context, now);
    expect(entered).toEqual({
      actions: [],
      reached: ['settle'],
      position: { status: 'waiting', stepId: 'settle', until: '2026-05-15T10:00:00.000Z' },
    });
    const waiting = planRun(review, { kind: 'wait-over', stepId: 'settle' }, context, Date.parse('2026-05-15T10:00:00Z'));
    expect(waiting.position).toEqual({
      status: 'waiting-for',
      stepId: 'reviewed',
      event: 'activity.completed',
      until: '2026-05-22T10:00:00.000Z',
    });

    const matched = planRun(review, { kind: 'wait-for', stepId: 'reviewed', outcome: 'matched' }, context, now);
    expect(matched.actions.map((a) => [a.kind, a.key])).toEqual([
      ['points', 'flow:review-request:o1:1:thanks'],
      ['emit', 'flow:review-request:o1:1:tell-shop'],
    ]);
    expect(matched.position).toEqual({ status: 'done', reason: 'completed' });
    const timedOut = planRun(review, { kind: 'wait-for', stepId: 'reviewed', outcome: 'timedOut' }, context, now);
    expect(timedOut.actions.map((a) => a.stepId)).toEqual(['ask', 'tell-shop']);
    expect(timedOut.reached).toEqual(['ask', 'tell-shop']);
  });

  it('keeps a holdout run on the same timing without any action', () => {
    const held = planRun(review, { kind: 'wait-for', stepId: 'reviewed', outcome: 'matched' }, { ...context, holdout: true }, now);
    expect(held.actions).toEqual([]);
    expect(held.reached).toEqual(['thanks', 'tell-shop']);
    expect(held.position).toEqual({ status: 'done', reason: 'completed' });
  });

  it('branches on the member facts and exits where the flow says', () => {
    const flow = flowOf({
      id: 'nps',
      name: 'NPS follow-up',
      trigger: { event: 'activity.completed' },
      steps: [
        {
          id: 'by-tier',
          branch: [
            {
              when: { tier: ['Gold'] },
              steps: [
                { id: 'gold', points: 100, reason: 'Gold thanks' },
                { id: 'stop', exit: true },
              ],
            },
            { steps: [{ id: 'others', emit: 'nps.detractor' }] },
          ],
        },
        { id: 'after', points: 1, reason: 'after the branch' },
      ],
    });
    const gold = planRun(flow, { kind: 'enter' }, { ...context, facts: { tier: 'Gold' } }, now);
    expect(gold.actions.map((a) => a.stepId)).toEqual(['gold']);
    expect(gold.position).toEqual({ status: 'done', reason: 'exit' });
    const silver = planRun(flow, { kind: 'enter' }, context, now);
    expect(silver.actions.map((a) => a.stepId)).toEqual(['others', 'after']);
  });

  // Invariant: a split sends a stable share of runs down each path, the same run always the same way.
  it('splits runs by a stable draw close to the percentages', () => {
    const flow = flowOf({
      id: 'ab',
      name: 'A/B',
      trigger: { event: 'order.placed' },
      steps: [
        {
          id: 'ab',
          split: [
            { percent: 30, steps: [{ id: 'a', points: 1, reason: 'a' }] },
            { percent: 70, steps: [{ id: 'b', points: 2, reason: 'b' }] },
          ],
        },
      ],
    });
    const path = (customerId: string) => planRun(flow, { kind: 'enter' }, { ...context, customerId }, now).actions[0]?.stepId;
    const share = Array.from({ length: 2000 }, (_, i) => path(`m${i}`)).filter((p) => p === 'a').length / 2000;
    expect(share).toBeGreaterThan(0.26);
    expect(share).toBeLessThan(0.34);
    fc.assert(fc.property(fc.string({ minLength: 1 }), (id) => [path(id), path(id)].every((p) => p === path(id))));
  });

  it('refuses to resume at a step the flow no longer has', () => {
    expect(() => planRun(review, { kind: 'wait-over', stepId: 'gone' }, context, now)).toThrow(UnknownStepError);
  });
});

describe('Function: runKeyOf and inFlowHoldout', () => {
  it('keys a run by the trigger field, or one per member', () => {
    expect(runKeyOf(review, { orderId: 'o1' })).toBe('o1');
    expect(runKeyOf(review, {})).toBeUndefined();
    expect(runKeyOf({ key: undefined }, { orderId: 'o1' })).toBe('member');
  });

  it('holds out about the share asked for, per flow', () => {
    const held = Array.from({ length: 4000 }, (_, i) => inFlowHoldout({ id: 'f', holdoutPercent: 10 }, `m${i}`)).filter(Boolean).length;
    expect(held / 4000).toBeGreaterThan(0.08);
    expect(held / 4000).toBeLessThan(0.12);
    expect(inFlowHoldout({ id: 'f', holdoutPercent: 0 }, 'm1')).toBe(false);
  });
});
