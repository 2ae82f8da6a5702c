import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { audienceChanges, audienceRecord } from '../../functions/adapters/dynamo/audience-store';
import { InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import { attributeFacts, attributeIssue, attributeValueIssue } from '../../functions/domain/attributes';
import { planRun } from '../../functions/domain/flows/plan';
import { applyProfileChange, type Profile, type ProfileChange } from '../../functions/domain/profile';

/**
 * Client-declared member attributes (docs/client-file.md, "Member attributes"): the declaration
 * and its checks, the per-attribute last-writer-wins register in the profile, the `set` step,
 * and the audience index item that carries them.
 */

const declared = { shoeSize: 'number', favouriteSport: { enum: ['running', 'trail', 'gym'] }, vip: 'boolean', raceDay: 'date' } as const;

function issuesOf(input: Record<string, unknown>): string[] {
  try {
    parseProgramConfig({ ...demo, ...input }, 'test');
    return [];
  } catch (error) {
    if (!(error instanceof InvalidProgramConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const flowWith = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'sporty',
  name: 'Sporty',
  trigger: { event: 'order.placed' },
  steps,
  ...extra,
});

describe('Function: attributeIssue', () => {
  it('accepts values of the declared type and null, which clears', () => {
    expect(attributeIssue(declared, { shoeSize: 44.5, favouriteSport: 'trail', vip: false, raceDay: '2027-05-01' })).toBeUndefined();
    expect(attributeIssue(declared, { shoeSize: null, favouriteSport: null })).toBeUndefined();
  });

  it.each([
    [{ shoeSize: '44' }, 'shoeSize', 'must be a number'],
    [{ vip: 'yes' }, 'vip', 'must be true or false'],
    [{ favouriteSport: 'golf' }, 'favouriteSport', 'must be one of running, trail, gym'],
    [{ raceDay: '2027-02-30' }, 'raceDay', 'must be a date YYYY-MM-DD'],
    [{ shoeSize: 44, hairColour: 'red' }, 'hairColour', 'is not an attribute of this program (shoeSize, favouriteSport, vip, raceDay)'],
    [{ constructor: 1 }, 'constructor', 'is not an attribute of this program (shoeSize, favouriteSport, vip, raceDay)'],
  ])('names the first bad attribute of %j', (values, name, reason) => {
    expect(attributeIssue(declared, values)).toEqual({ name, reason });
  });

  it('a number that is not finite is not a number', () => {
    expect(attributeValueIssue('number', Number.NaN)).toBe('must be a number');
  });

  it('the facts keep declared attributes with a value of their type, and leave out clears', () => {
    expect(attributeFacts(declared, { shoeSize: 44, vip: null, dropped: 'x', favouriteSport: 'golf' })).toEqual({ shoeSize: 44 });
  });
});

describe('Client file: attributes and set steps', () => {
  it('accepts declared attributes and a set step of their types, and defaults to none', () => {
    expect(issuesOf({ attributes: declared, flows: [flowWith([{ id: 's', set: { favouriteSport: 'running', vip: true } }])] })).toEqual([]);
    expect(parseProgramConfig(demo, 'test').attributes).toEqual({});
  });

  it.each([
    [{ attributes: { 'shoe-size': 'number' } }, 'attributes.shoe-size'],
    [{ attributes: { shoeSize: 'integer' } }, 'attributes.shoeSize'],
    [
      { attributes: declared, flows: [flowWith([{ id: 's', set: { favouriteSport: 'golf' } }])] },
      'flows[0].steps[0].set.favouriteSport: must be one of running, trail, gym',
    ],
    [
      { attributes: declared, flows: [flowWith([{ id: 's', set: { shoeSize: 'big' } }])] },
      'flows[0].steps[0].set.shoeSize: must be a number',
    ],
    [
      { flows: [flowWith([{ id: 's', set: { vip: true } }])] },
      'flows[0].steps[0].set.vip: is not an attribute of this program (none declared)',
    ],
    [{ attributes: declared, flows: [flowWith([{ id: 's', set: {} }])] }, 'flows[0].steps[0]'],
    [
      { attributes: declared, flows: [flowWith([{ id: 'e', emit: 'x.y' }], { audience: { attributes: { shoeSise: [44] } } })] },
      'flows[0].audience.attributes.shoeSise: is not an attribute of this program',
    ],
    [
      {
        attributes: declared,
        flows: [flowWith([{ id: 'b', branch: [{ when: { $or: [{ attributes: { colour: ['red'] } }, { tier: ['Gold'] }] }, steps: [] }] }])],
      },
      'flows[0].steps[0].branch[0].when.attributes.colour: is not an attribute of this program',
    ],
  ])('refuses %j naming the field', (input, expected) => {
    expect(issuesOf(input).join('\n')).toContain(expected);
  });
});

describe('Function: planRun, set steps', () => {
  const [flow] = parseProgramConfig(
    {
      ...demo,
      attributes: declared,
      flows: [
        flowWith([
          { id: 'mark', set: { favouriteSport: 'running' } },
          { id: 'tell', emit: 'member.marked' },
        ]),
      ],
    },
    'test',
  ).flows;
  const context = { customerId: 'anna', runKey: 'member', entry: 1, facts: {}, holdout: false };

  it('plans a set action keyed like every action, and none for a held-out run', () => {
    if (!flow) throw new Error('no flow');
    const plan = planRun(flow, { kind: 'enter' }, context, Date.parse('2027-01-01T10:00:00Z'));
    expect(plan.actions[0]).toEqual({
      kind: 'set',
      stepId: 'mark',
      key: 'flow:sporty:member:1:mark',
      attributes: { favouriteSport: 'running' },
    });
    expect(planRun(flow, { kind: 'enter' }, { ...context, holdout: true }, 0).actions).toEqual([]);
  });
});

describe('Function: applyProfileChange, attributes', () => {
  const set = (at: number, attributes: Record<string, string | number | boolean | null>): ProfileChange => ({
    type: 'set',
    at,
    values: {},
    attributes,
  });
  const apply = (changes: readonly ProfileChange[]): Profile | undefined =>
    changes.reduce<Profile | undefined>((p, c) => applyProfileChange('anna', p, c), undefined);

  it('keeps the newest value per attribute whatever order the changes arrive in', () => {
    const changes = [set(3, { favouriteSport: 'gym' }), set(1, { favouriteSport: 'running', shoeSize: 44 }), set(2, { shoeSize: null })];
    const inOrder = apply([...changes].sort((a, b) => a.at - b.at));
    expect(inOrder?.attributes).toEqual({ favouriteSport: 'gym', shoeSize: null });
    expect(apply(changes)?.attributes).toEqual(inOrder?.attributes);
  });

  // For any changes, every delivery order (with duplicates) ends in the same attributes.
  it('commutes: any order and any duplicates of the same changes give the same attributes', () => {
    const change = fc.record({
      at: fc.integer({ min: 1, max: 6 }),
      attributes: fc.dictionary(
        fc.constantFrom('shoeSize', 'vip', 'favouriteSport'),
        fc.oneof(fc.integer({ min: 40, max: 46 }), fc.boolean(), fc.constant(null)),
      ),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 8 }), fc.func(fc.integer()), (raw, rank) => {
        const changes = raw.map((c) => set(c.at, c.attributes));
        const shuffled = [...changes, ...changes.slice(0, 2)].sort((a, b) => rank(a) - rank(b));
        expect(apply(shuffled)?.attributes ?? {}).toEqual(apply(changes)?.attributes ?? {});
      }),
    );
  });

  it('a deletion erases the attributes set before it, and an older change delivered after it writes none', () => {
    const deleted = apply([set(1, { shoeSize: 44 }), { type: 'delete', at: 5 }, set(3, { vip: true })]);
    expect(deleted?.attributes).toBeUndefined();
    expect(apply([{ type: 'delete', at: 5 }, set(6, { vip: true })])?.attributes).toEqual({ vip: true });
  });
});

describe('Function: audienceRecord', () => {
  const registered: Profile = {
    customerId: 'anna',
    values: { registeredAt: '2026-03-05T22:30:00Z', timeZone: 'Europe/Stockholm', marketingConsent: true, locale: 'sv' },
    fieldAt: {},
    attributes: { shoeSize: 44, vip: null },
    attributeAt: { shoeSize: 1, vip: 2 },
  };

  it('puts a registered member in the partition of their local registration day, with their profile facts', () => {
    expect(audienceRecord(registered, 'UTC')).toMatchObject({
      sk: 'AUDIENCE',
      audPk: expect.stringMatching(/^AUD#03-05#[0-3]$/),
      facts: { marketingConsent: true, locale: 'sv', attributes: { shoeSize: 44 } },
    });
    expect(audienceRecord({ ...registered, values: { marketingConsent: true } }, 'UTC')).toBeUndefined();
  });

  it('an opt-out changes the item; a deletion takes it out', () => {
    const optedOut = applyProfileChange('anna', registered, { type: 'opt-out', at: 10, reason: 'unsubscribe' });
    expect(audienceChanges('anna', registered, optedOut, 'UTC').puts[0]).toMatchObject({ facts: { marketingConsent: false } });
    expect(audienceChanges('anna', registered, registered, 'UTC')).toEqual({ puts: [], deletes: [] });
    const deleted = applyProfileChange('anna', registered, { type: 'delete', at: 10 });
    expect(audienceChanges('anna', registered, deleted, 'UTC')).toEqual({ puts: [], deletes: [{ pk: 'MEMBER#anna', sk: 'AUDIENCE' }] });
  });
});
