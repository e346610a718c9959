import { percentile } from '../../bench/lib/percentile';

describe('bench percentile (nearest rank)', () => {
  test('when asked for p50, p99 and p100 of 1..100, then it answers 50, 99 and 100', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100)]).toEqual([50, 99, 100]);
  });

  test('when there are fewer values than the percentile resolves, then it answers a value that exists', () => {
    expect(percentile([3, 7], 99)).toBe(7);
    expect(percentile([3, 7], 0)).toBe(3);
    expect(() => percentile([], 50)).toThrow('percentile of no values');
  });
});
