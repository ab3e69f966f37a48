import { describe, expect, it } from 'vitest';
import { caretLine, filterError } from './expression';

describe('caretLine', () => {
  it('puts a caret under the character', () => {
    expect(caretLine("views > 'x", 8)).toEqual({ line: "views > 'x", marker: '        ^' });
  });
  it('handles the end of the input and multi-line rules', () => {
    expect(caretLine('a ==', 4)).toEqual({ line: 'a ==', marker: '    ^' });
    expect(caretLine('a == 1 and\nb ==', 15)).toEqual({ line: 'b ==', marker: '    ^' });
  });
  it('counts characters, not UTF-16 units', () => {
    expect(caretLine("'😀' == x", 7)?.marker).toBe('       ^');
  });
  it('has nothing to point at without a position', () => {
    expect(caretLine('a', null)).toBeNull();
    expect(caretLine('', 0)).toBeNull();
  });
});

describe('filterError', () => {
  it('finds the filter detail', () => {
    expect(filterError([{ field: 'x', message: 'm' }, { field: 'filter', message: 'bad', position: 3 }])).toEqual({
      field: 'filter',
      message: 'bad',
      position: 3,
    });
    expect(filterError([])).toBeNull();
  });
});
