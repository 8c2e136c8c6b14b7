import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('ignores key order and undefined fields at every level', () => {
    const key = fc.string().filter((name) => name !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.integer(), fc.string(), fc.constant(undefined), fc.dictionary(key, fc.integer()))), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse().map(([name, value]) => [name, value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse()) : value]));
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
        const defined = Object.entries(record).filter(([, value]) => value !== undefined);
        expect(JSON.parse(canonicalJson(record))).toEqual(Object.fromEntries(defined));
      }),
    );
  });

  it('writes arrays in order with undefined items as null, and scalars as JSON does', () => {
    expect(canonicalJson([3, undefined, { b: 1, a: [2] }])).toBe('[3,null,{"a":[2],"b":1}]');
    expect(canonicalJson('λ')).toBe('"λ"');
    expect(canonicalJson(null)).toBe('null');
  });
});
