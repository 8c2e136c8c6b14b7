import fc from 'fast-check';
// @ts-expect-error -- a plain ESM script of the benchmarks (bench/ is not part of the package's types)
import { blockRatios, firstStepExcess, median, pairedRatios, quantile, runInterleaved, runPaired, summarise } from './paired.mjs';

describe('quantile, median, summarise', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    expect(quantile([4, 1, 3, 2], 0.25)).toBe(1.75);
    expect(quantile([4, 1, 3, 2], 0.75)).toBe(3.25);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summarise([7])).toEqual({ median: 7, q1: 7, q3: 7 });
    expect(() => quantile([], 0.5)).toThrow('quantile: no values');
  });

  it('orders q1 ≤ median ≤ q3 within the range, whatever the order of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), (values) => {
        const { median: middle, q1, q3 } = summarise(values);
        expect(Math.min(...values)).toBeLessThanOrEqual(q1);
        expect(q1).toBeLessThanOrEqual(middle);
        expect(middle).toBeLessThanOrEqual(q3);
        expect(q3).toBeLessThanOrEqual(Math.max(...values));
        expect(summarise([...values].reverse())).toEqual({ median: middle, q1, q3 });
      }),
    );
  });
});

describe('pairedRatios', () => {
  it('divides block medians pairwise, so a drift common to both sides of a block cancels', () => {
    const blocks = [
      { wasm: [10, 11, 9], torch: [20, 22, 18] },
      { wasm: [20, 22, 18], torch: [40, 44, 36] }, // the machine twice as slow: the same ratio
      { wasm: [8, 8, 8], torch: [10, 10, 10] },
    ];
    const result = pairedRatios(blocks);
    expect(result.ratios).toEqual([0.5, 0.5, 0.8]);
    expect(result.median).toBe(0.5);
    expect(result.q1).toBe(0.5);
    expect(result.q3).toBeCloseTo(0.65, 12);
  });
});

describe('firstStepExcess', () => {
  it('compares the first step of each block with the rest, per side and per hand-over', () => {
    const blocks = [
      { first: 'wasm', wasmAll: [12, 10, 10], torchAll: [30, 20, 20] },
      { first: 'torch', wasmAll: [11, 10, 10], torchAll: [20, 20, 20] },
      { first: 'wasm', wasmAll: [10], torchAll: [] },
    ];
    expect(firstStepExcess(blocks)).toEqual({ wasm: 1.15, torch: 1.25, wasmAfterTorch: 1.1, torchAfterWasm: 1.5 });
  });
});

describe('runPaired', () => {
  /** A side whose steps take `ms` each, logging what ran in which order. */
  const side = (name: string, log: string[], ms: number) => ({
    async time(steps: number) {
      log.push(`${name} ${steps}`);
      return Array.from({ length: steps }, () => ms);
    },
  });

  it('warms both sides up, alternates blocks, drops the untimed steps: a drift between block pairs cancels', async () => {
    const log: string[] = [];
    let calls = 0;
    /** The machine slows 1.5× after every block pair (warm-up counts as one); a block's first step takes `cold`× (caches the other side evicted). */
    const drifting = (name: string, stepMs: number, cold: number) => ({
      async time(steps: number) {
        const speed = 1.5 ** Math.floor(calls++ / 2);
        log.push(`${name} ${steps}`);
        return Array.from({ length: steps }, (_, index) => stepMs * speed * (index === 0 ? cold : 1));
      },
    });
    const pauses: number[] = [];
    const run = (untimed: number) => runPaired({ wasm: drifting('wasm', 10, 2), torch: drifting('torch', 20, 1), warmup: 4, blocks: 4, blockSteps: 2, untimed, pauseMs: 5, pause: async (ms: number) => void pauses.push(ms) });
    const result = await run(1);
    expect(log).toEqual(['wasm 4', 'torch 4', 'wasm 3', 'torch 3', 'torch 3', 'wasm 3', 'wasm 3', 'torch 3', 'torch 3', 'wasm 3']);
    expect(pauses).toEqual(Array(8).fill(5));
    expect(result.blocks.map((block: { first: string }) => block.first)).toEqual(['wasm', 'torch', 'wasm', 'torch']);
    expect(result.ratios).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(result).toMatchObject({ median: 0.5, q1: 0.5, q3: 0.5, firstStep: { wasm: 2, torch: 1 } });
    expect(result.blocks[0]).toMatchObject({ wasm: [15, 15], torch: [30, 30], wasmAll: [30, 15, 15], torchAll: [30, 30, 30] });
    calls = 0;
    // Without the untimed step the cold first step stays in each wasm block's median ([2x, x] → 1.5x).
    expect((await run(0)).ratios).toEqual([0.75, 0.75, 0.75, 0.75]);
  });

  it('gives the exact ratio of a steady pair and runs no untimed step when asked', async () => {
    const log: string[] = [];
    const result = await runPaired({ wasm: side('wasm', log, 6), torch: side('torch', log, 8), warmup: 0, blocks: 3, blockSteps: 2, untimed: 0 });
    expect(log).toEqual(['wasm 0', 'torch 0', 'wasm 2', 'torch 2', 'torch 2', 'wasm 2', 'wasm 2', 'torch 2']);
    expect(result).toMatchObject({ wasmMs: 6, torchMs: 8, median: 0.75, q1: 0.75, q3: 0.75, ratios: [0.75, 0.75, 0.75] });
  });
});

describe('runInterleaved', () => {
  it('warms every side up, rotates which side goes first block by block, and pairs any two sides per block', async () => {
    const log: string[] = [];
    let calls = 0;
    /** The machine slows 2× after every block of three sides (warm-up counts as one): each ratio within a block stays exact. */
    const side = (name: string, stepMs: number) => ({
      async time(steps: number) {
        const speed = 2 ** Math.floor(calls++ / 3);
        log.push(`${name} ${steps}`);
        return Array.from({ length: steps }, () => stepMs * speed);
      },
    });
    const blocks = await runInterleaved({ sides: { one: side('one', 12), two: side('two', 8), torch: side('torch', 16) }, warmup: 2, blocks: 3, blockSteps: 2, untimed: 1 });
    expect(log).toEqual(['one 2', 'two 2', 'torch 2', 'one 3', 'two 3', 'torch 3', 'two 3', 'torch 3', 'one 3', 'torch 3', 'one 3', 'two 3']);
    expect(blocks.map((block: { order: string[] }) => block.order)).toEqual([
      ['one', 'two', 'torch'],
      ['two', 'torch', 'one'],
      ['torch', 'one', 'two'],
    ]);
    expect(blocks[1]).toMatchObject({ timed: { one: [48, 48], two: [32, 32], torch: [64, 64] }, all: { one: [48, 48, 48] } });
    expect(blockRatios(blocks, 'two', 'one')).toMatchObject({ ratios: [2 / 3, 2 / 3, 2 / 3], median: 2 / 3 });
    expect(blockRatios(blocks, 'one', 'torch')).toMatchObject({ ratios: [0.75, 0.75, 0.75], q1: 0.75, q3: 0.75 });
  });
});
