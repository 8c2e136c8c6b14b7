import { agreementRuns, describeBothPaths, fc, itIsTheRegisteredKernel, prepareBackends } from './__fixtures__/agreement';
import { elementwiseCases, expectElementwiseAgreement } from './__fixtures__/elementwise';
import { multiplyConfig, reluConfig, stepConfig, subConfig } from './Elementwise';

describe('Add, Sub, Multiply, Relu, Step (wasm kernels: threaded native with more than one thread)', () => {
  beforeAll(() => prepareBackends('Relu'));

  for (const config of [subConfig, multiplyConfig, reluConfig, stepConfig]) itIsTheRegisteredKernel(config);

  describeBothPaths(() => {
    it('agree with the cpu backend on random shapes and layouts (one thread: the built-in kernels)', () => {
      fc.assert(fc.property(elementwiseCases, expectElementwiseAgreement), agreementRuns);
    });
  });
});
