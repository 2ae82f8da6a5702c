import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { allSteps, FLOW_LIMITS } from '../../functions/config/flows';
import { fileURLToPath } from 'node:url';
import { InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import { withClientMessages } from '../../lib/messages/client-messages';

const DEMO_MESSAGES = fileURLToPath(new URL('../../clients/demo/messages/', import.meta.url));

const reviewRequest = {
  id: 'review-request',
  name: 'Ask for a review after a running-shoe order',
  trigger: { event: 'order.placed', where: { lines: { category: ['running-shoes'] } } },
  key: 'orderId',
  audience: { marketingConsent: [true] },
  exitOn: [{ event: 'order.refunded', sameKey: true }],
  goal: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P30D' },
  holdoutPercent: 10,
  steps: [
    { id: 'settle', wait: 'P14D' },
    {
      id: 'reviewed',
      waitFor: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P7D' },
      matched: [{ id: 'thanks', points: 25, reason: 'Review bonus' }],
      timedOut: [{ id: 'ask', email: 'review-request' }],
    },
  ],
};

/** The issues a client file with these flows fails with, as `path: message`. */
function issuesOf(flows: unknown[]): string[] {
  try {
    // As `cdk synth` and `npm start` load it: the client's messages compiled in.
    parseProgramConfig(withClientMessages({ ...demo, flows }, DEMO_MESSAGES, 'test'), 'test');
    return [];
  } catch (error) {
    if (!(error instanceof InvalidProgramConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('Client file: flows', () => {
  it('accepts a flow and fills its defaults', () => {
    const [flow] = parseProgramConfig({ ...demo, flows: [reviewRequest] }, 'test').flows;
    expect(flow).toMatchObject({ id: 'review-request', version: 1, reentry: 'once', priority: 50, onChange: 'continue' });
    expect(allSteps(flow?.steps ?? []).map((s) => s.id)).toEqual(['settle', 'reviewed', 'thanks', 'ask']);
    expect(parseProgramConfig({ ...demo, flows: undefined }, 'test').flows).toEqual([]);
  });

  it.each([
    ['a bad duration', { ...reviewRequest, steps: [{ id: 'w', wait: '14 days' }] }, 'flows[0].steps[0]'],
    [
      'a pattern EventBridge refuses',
      { ...reviewRequest, trigger: { event: 'order.placed', where: { total: [{ numeric: ['>', 5, '>', 6] }] } } },
      'flows[0].trigger',
    ],
    [
      'an unknown message',
      { ...reviewRequest, steps: [{ id: 'm', email: 'no-such-message' }] },
      'flows[0].steps[0].email: no-such-message is not a flow message',
    ],
    [
      'a message written for another trigger',
      { ...reviewRequest, trigger: { event: 'activity.completed' }, steps: [{ id: 'm', email: 'review-request' }] },
      'flows[0].steps[0].email: review-request is written for order.placed events, but this flow starts on activity.completed',
    ],
    [
      'a flow that emits a webshop event',
      { ...reviewRequest, steps: [{ id: 'fake', emit: 'order.placed' }] },
      'flows[0].steps: step fake may not emit order.placed: it is a webshop or Lojal event',
    ],
    [
      'an event nobody sends',
      { ...reviewRequest, exitOn: [{ event: 'order.cancelled' }] },
      'flows[0].exitOn[0].event: order.cancelled is not an event of the bus',
    ],
    [
      'a step id used twice',
      {
        ...reviewRequest,
        steps: [
          { id: 'a', wait: 'P1D' },
          { id: 'a', exit: true },
        ],
      },
      'flows[0].steps[1].id: a is used by another step',
    ],
    [
      'split percentages that do not add up',
      {
        ...reviewRequest,
        steps: [
          {
            id: 's',
            split: [
              { percent: 50, steps: [] },
              { percent: 40, steps: [] },
            ],
          },
        ],
      },
      'flows[0].steps[0]',
    ],
    ['an unknown field', { ...reviewRequest, stepz: [] }, 'flows[0]'],
  ])('refuses %s, naming the field', (_, flow, expected) => {
    const issues = issuesOf([flow]);
    expect(issues.some((i) => i.startsWith(expected))).toBe(true);
  });

  it('refuses two flows with one id, and flows past the limits', () => {
    expect(issuesOf([reviewRequest, reviewRequest])).toContain('flows[1].id: review-request is used by another flow');
    const deep = (n: number): unknown => (n === 0 ? { id: `leaf`, exit: true } : { id: `b${n}`, branch: [{ steps: [deep(n - 1)] }] });
    expect(issuesOf([{ ...reviewRequest, steps: [deep(FLOW_LIMITS.depth + 1)] }]).some((i) => i.includes('nests deeper'))).toBe(true);
    const many = Array.from({ length: FLOW_LIMITS.steps + 1 }, (_, i) => ({ id: `w${i}`, wait: 'PT1M' }));
    expect(issuesOf([{ ...reviewRequest, steps: many }])).toContain(
      `flows[0].steps: has ${FLOW_LIMITS.steps + 1} steps; at most ${FLOW_LIMITS.steps}`,
    );
  });
});
