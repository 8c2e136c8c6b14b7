/**
 * End to end on the backend users train on: a tiny U-Net (@tfseg/models) learns the synthetic disks on
 * wasm with the paper's settings (Adam, lr 1e-3, batch 4, ML loss), well past what the same untrained network
 * scores (here ≈ 0.41 untrained, ≈ 0.92 after 6 epochs of 8 steps).
 */
import { describeOnBackends } from '@tfseg-internal/testing';
import { buildModel } from '@tfseg/models';
import { evaluate } from './evaluate';
import { selectBackend } from './backend';
import { train } from './train';
import { shuffledBatches, splitPatchSet, syntheticDisks } from './__fixtures__/synthetic-disks';

const SIZE = 32;

describeOnBackends(
  'train a tiny U-Net end to end',
  () => {
    it('clears a test mIoU bar that the untrained U-Net does not reach', async () => {
      const selection = await selectBackend('wasm');
      expect(selection.backend).toBe('wasm');
      const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: SIZE, seed: 3 });
      const test = syntheticDisks(16, SIZE, 30);
      const untrained = evaluate(model, test, 2).meanIoU;
      const result = await train({
        model,
        loss: { name: 'ml' },
        trainBatches: shuffledBatches(splitPatchSet(syntheticDisks(32, SIZE, 10), 4), 1),
        validation: syntheticDisks(8, SIZE, 20),
        test,
        numClasses: 2,
        epochs: 6,
        seed: 3,
      });
      const bar = 0.8;
      expect(untrained).toBeLessThan(bar);
      expect(result.test?.meanIoU).toBeGreaterThan(bar);
      model.dispose();
    });
  },
  ['wasm'],
);
