import { describe, expect, it } from 'vitest';
import { aggregateKey, checkAggregate, fieldsFor, formatAggValue, functionsParam, groupableFields, parseFunctions, resultColumns } from './aggregate';
import type { Field } from './types';

const f = (name: string, type: Field['type'], options?: Field['options']): Field => ({
  name, type, required: false, default: null, unique: false, pii: false, options,
});
const schema = [
  f('status', 'select', { values: ['a', 'b'] }),
  f('tags', 'select', { values: ['x'], multiple: true }),
  f('total', 'number'),
  f('title', 'text'),
  f('done', 'boolean'),
  f('meta', 'json'),
  f('due', 'datetime'),
];

describe('aggregate model', () => {
  it('names result keys like the server', () => {
    expect(aggregateKey({ func: 'count', field: '' })).toBe('count');
    expect(aggregateKey({ func: 'count', field: 'title' })).toBe('count_title');
    expect(aggregateKey({ func: 'sum', field: 'total' })).toBe('sum_total');
  });

  it('writes and reads functions=', () => {
    const specs = [{ func: 'count', field: '' }, { func: 'sum', field: 'total' }] as const;
    expect(functionsParam([...specs])).toBe('count(),sum(total)');
    expect(parseFunctions('count(), SUM(total) ,bogus(x),avg(),count(*),max(due')).toEqual([
      { func: 'count', field: '' },
      { func: 'sum', field: 'total' },
      { func: 'count', field: '' },
    ]);
  });

  it('offers the fields each function takes', () => {
    expect(fieldsFor('sum', schema)).toEqual(['total']);
    expect(fieldsFor('avg', schema)).toEqual(['total']);
    expect(fieldsFor('min', schema)).toEqual(['status', 'total', 'title', 'due', 'id', 'created_by', 'updated_by', 'created_at', 'updated_at']);
    expect(fieldsFor('count', schema)[0]).toBe('');
    expect(groupableFields(schema)).not.toContain('tags');
    expect(groupableFields(schema)).not.toContain('meta');
    expect(groupableFields(schema)).toContain('done');
  });

  it('puts group fields first in the result columns', () => {
    expect(resultColumns(['status'], [{ func: 'count', field: '' }, { func: 'avg', field: 'total' }])).toEqual(['status', 'count', 'avg_total']);
  });

  it('catches what the server would refuse', () => {
    expect(checkAggregate([], [], schema)).toMatch(/at least one/);
    expect(checkAggregate([], [{ func: 'count', field: '' }, { func: 'count', field: '' }], schema)).toMatch(/twice/);
    expect(checkAggregate([], [{ func: 'sum', field: 'title' }], schema)).toMatch(/cannot aggregate/);
    expect(checkAggregate([], [{ func: 'sum', field: '' }], schema)).toMatch(/needs a field/);
    expect(checkAggregate(['status'], [{ func: 'count', field: '' }, { func: 'sum', field: 'total' }], schema)).toBeNull();
  });

  it('formats values', () => {
    expect(formatAggValue(null)).toBe('—');
    expect(formatAggValue(3)).toBe('3');
    expect(formatAggValue(1 / 3)).toBe('0.3333');
    expect(formatAggValue('x')).toBe('x');
    expect(formatAggValue(true)).toBe('true');
  });
});
