import { formatDuration } from './progress';

describe('formatDuration', () => {
  it('picks the two largest units', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe('3d 04h');
  });
});
