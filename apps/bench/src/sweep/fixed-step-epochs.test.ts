import { fixedStepEpochs } from './execute-run';

/** A stand-in for trainingBatches: pass `p` yields `size` batches named `p:i`. */
const passes = (size: number) => (pass: number) => Array.from({ length: size }, (_, index) => `${pass}:${index}`);

describe('fixedStepEpochs', () => {
  it('chains reshuffled passes until the epoch has its steps', () => {
    expect([...fixedStepEpochs(passes(2), 5)(0)]).toEqual(['0:0', '0:1', '1:0', '1:1', '2:0']);
    expect([...fixedStepEpochs(passes(2), 5)(1)]).toEqual(['5:0', '5:1', '6:0', '6:1', '7:0']);
  });

  it('cuts a long pass short, and is the same every time for an epoch', () => {
    const epochs = fixedStepEpochs(passes(12), 3);
    expect([...epochs(2)]).toEqual(['6:0', '6:1', '6:2']);
    expect([...epochs(2)]).toEqual([...epochs(2)]);
  });

  it('stops on an empty training set instead of looping', () => {
    expect([...fixedStepEpochs(passes(0), 4)(0)]).toEqual([]);
  });
});
