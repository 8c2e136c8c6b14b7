import { availableParallelism } from 'node:os';
import { threadsPerProcess } from './run-sweep';

describe('threadsPerProcess', () => {
  it('shares the available cores out among the workers for auto, at least one each', () => {
    const cores = availableParallelism();
    expect(threadsPerProcess('auto', 1)).toBe(Math.min(cores, 9));
    expect(threadsPerProcess('auto', cores)).toBe(1);
    expect(threadsPerProcess('auto', cores * 4)).toBe(1);
  });

  it('passes an explicit count through, whatever the workers', () => {
    expect(threadsPerProcess(3, 1)).toBe(3);
    expect(threadsPerProcess(3, 8)).toBe(3);
  });
});
