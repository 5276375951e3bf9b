import { JSONPath } from 'jsonpath-plus';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * patches/jsonpath-plus+*.patch (applied by `patch-package` on install): called without `new`, as
 * the Step Functions interpreter calls it for every path in a state, JSONPath returns a scalar
 * result instead of throwing it inside an Error and catching it (an Error and its stack trace per
 * query was the largest single cost of the interpreter in `bench:pipeline`).
 */
describe('jsonpath-plus as the interpreter calls it (patched)', () => {
  /** Counts NewErrors made: its constructor sets `avoidNew` on itself. */
  function countNewErrors(): { count: number } {
    const counter = { count: 0 };
    Object.defineProperty(Error.prototype, 'avoidNew', {
      configurable: true,
      set(this: Error, value: boolean) {
        counter.count++;
        Object.defineProperty(this, 'avoidNew', { value, writable: true, configurable: true });
      },
    });
    return counter;
  }
  afterEach(() => {
    delete (Error.prototype as unknown as Record<string, unknown>).avoidNew;
  });

  it('returns scalars, objects, arrays and no match without making an Error', () => {
    const made = countNewErrors();
    const json = { ticket: { id: 't-1', n: 0, ok: false, tags: ['a'] }, nothing: null };
    const query = (path: string) => JSONPath({ path, json, wrap: false });
    expect(query('$.ticket.id')).toBe('t-1');
    expect(query('$.ticket.n')).toBe(0);
    expect(query('$.ticket.ok')).toBe(false);
    expect(query('$.nothing')).toBeNull();
    expect(query('$.missing')).toBeUndefined();
    expect(query('$.ticket.tags')).toEqual(['a']);
    expect(query('$.ticket')).toEqual(json.ticket);
    expect(JSONPath({ path: '$.ticket.id', json })).toEqual(['t-1']); // wrapped (the default)
    expect(made.count).toBe(0);
  });

  it('keeps its documented behaviour with `new` and without autostart', () => {
    const made = countNewErrors();
    // The typings declare no constructor; the library documents this call.
    const WithNew = JSONPath as unknown as new (options: object) => unknown;
    expect(() => new WithNew({ path: '$.a', json: { a: 1 }, wrap: false })).toThrow(/should not be called with "new"/);
    expect(made.count).toBe(1);
    const deferred = JSONPath({ path: '$.a', json: { a: 1 }, autostart: false });
    expect(deferred).toBeInstanceOf(JSONPath);
    expect(deferred.evaluate('$.a', { a: 2 }, undefined, undefined)).toEqual([2]);
  });
});
