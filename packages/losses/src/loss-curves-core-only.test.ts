// Only tfjs-core here (no '@tensorflow/tfjs'), so no gradient functions are registered: lossCurves must
// say what is missing and how to fix it.
import * as tf from '@tensorflow/tfjs-core';
import { lossCurves } from './index';

it('lossCurves without registered gradients explains to import @tensorflow/tfjs', async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  expect(() => lossCurves({ points: 2 })).toThrow(/Error in lossCurves: .*gradient function not found.*Import '@tensorflow\/tfjs'/);
});
