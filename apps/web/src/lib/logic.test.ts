import { describe, expect, it } from 'vitest';
import { generateSeats, rowName, toUpload } from './seatgen';
import { eventTransitions, sessionTransitions } from './status';
import { verdictOf } from './checkin';
import { errorRange } from './scriptErrors';
import { ApiError } from '../api/problem';

describe('seat generation', () => {
  it('names rows by letter or number', () => {
    expect(rowName('A', 0)).toBe('A');
    expect(rowName('A', 2)).toBe('C');
    expect(rowName('A', 26)).toBe('AA');
    expect(rowName('c', 1)).toBe('D');
    expect(rowName('1', 4)).toBe('5');
  });

  it('makes rows × seats with labels, aisles and unique (row, number)', () => {
    const s = generateSeats({ rows: 3, seatsPerRow: 4, firstRow: 'A', pattern: '{row}-{number}', aisleEvery: 2, curved: false });
    expect(s).toHaveLength(12);
    expect(s[0]).toMatchObject({ row: 'A', number: 1, label: 'A-1', x: 0, y: 0 });
    expect(s[2].x).toBe(3); // an aisle after two seats
    expect(new Set(s.map((x) => `${x.row}${x.number}`)).size).toBe(12);
    s[1].off = true;
    const up = toUpload(s);
    expect(up).toHaveLength(11);
    expect(up[0]).toEqual({ row: 'A', number: 1, label: 'A-1', x: 0, y: 0 });
  });
});

describe('lifecycles', () => {
  it('offers only the moves the API allows', () => {
    expect(sessionTransitions('draft')).toEqual(['teaser', 'cancelled']);
    expect(sessionTransitions('on_sale')).toEqual(['in_progress', 'suspended', 'cancelled']);
    expect(sessionTransitions('suspended')).toEqual(['teaser', 'presale', 'on_sale', 'in_progress', 'cancelled']);
    expect(sessionTransitions('finished')).toEqual([]);
    expect(eventTransitions('draft')).toEqual(['published', 'cancelled']);
    expect(eventTransitions('cancelled')).toEqual([]);
  });
});

describe('check-in verdicts', () => {
  it('says when and where an already used ticket was scanned', () => {
    const v = verdictOf({
      error: new ApiError(409, { code: 'already_used', detail: 'x', checked_in_at: '2030-01-01T10:00:00Z', gate: 'North', checked_in_by_name: 'Sam' }),
    });
    expect(v).toMatchObject({ ok: false, title: 'checkin.alreadyUsed', usedAt: '2030-01-01T10:00:00Z', usedGate: 'North', usedBy: 'Sam' });
  });
  it('gives the reason of an invalid ticket', () => {
    expect(verdictOf({ error: new ApiError(422, { code: 'invalid_ticket', reason: 'wrong_session' }) })).toMatchObject({
      ok: false,
      reason: 'wrong_session',
    });
  });
  it('admits', () => {
    const ticket = { id: 't', session_id: 's', ticket_type_id: 'tt', ticket_type: 'GA', owner_id: 'u', owner_name: 'Ana' };
    expect(verdictOf({ result: { result: 'admitted', ticket, checked_in_at: '2030-01-01T10:00:00Z' } })).toMatchObject({ ok: true, ticket });
  });
});

describe('script error positions', () => {
  it('maps 1-based line/column onto the source', () => {
    const src = 'fn price(ctx) {\n    ctx.nope + 1\n}\n';
    const r = errorRange(src, 2, 5);
    expect(src.slice(r.from, r.to)).toBe('ctx');
    const whole = errorRange(src, 2);
    expect(src.slice(whole.from, whole.to)).toBe('    ctx.nope + 1');
  });
});
