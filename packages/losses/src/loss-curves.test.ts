import '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { LossArgumentError, lossCurves } from './index';

// In the documented setup (two pixels, one per class, both at true-class probability p):
// L_CE = −log p, L_Dice = 1 − p, p̄ = p, D = p (held constant under differentiation).
const closedForms: Record<string, { loss: (p: number) => number; slope: (p: number) => number }> = {
  CE: { loss: (p) => -Math.log(p), slope: (p) => -1 / p },
  Dice: { loss: (p) => 1 - p, slope: () => -1 },
  'λ·Dice + (1−λ)·CE (λ=0.3)': { loss: (p) => 0.3 * (1 - p) - 0.7 * Math.log(p), slope: (p) => -0.3 - 0.7 / p },
  ML: { loss: (p) => -(1 - p) * Math.log(p), slope: (p) => Math.log(p) - (1 - p) / p },
  CAML: {
    loss: (p) => (1 - p) * (-Math.log(p)) ** ((1 - p) ** p),
    slope: (p) => {
      const crossEntropy = -Math.log(p);
      const alpha = (1 - p) ** p;
      const dAlpha = -p * (1 - p) ** (p - 1); // eq. 15 with D = p constant
      const power = crossEntropy ** alpha;
      return -power + (1 - p) * power * (dAlpha * Math.log(crossEntropy) + (alpha / crossEntropy) * (-1 / p));
    },
  },
};

describeOnBackends('lossCurves (Figs. 1, 2 and 5)', () => {
  it('traces every default loss with values and |dL/dp| matching the closed forms', async () => {
    const curves = await expectNoTensorLeak(() => lossCurves({ points: 9, from: 0.1, to: 0.9 }));
    expectAllClose(curves.probabilities, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], 1e-12);
    expect(curves.curves.map((curve) => curve.displayName)).toEqual([
      'CE', 'Dice', 'λ·Dice + (1−λ)·CE (λ=0.3)', 'λ·Dice + (1−λ)·CE (λ=0.5)', 'λ·Dice + (1−λ)·CE (λ=0.7)', 'ML', 'CAML',
    ]);
    expect(curves.setup).toMatch(/two pixels/);
    for (const curve of curves.curves) {
      const form = closedForms[curve.displayName];
      if (form === undefined) continue;
      expectAllClose(curve.loss, curves.probabilities.map(form.loss), 1e-4, 1e-5);
      expectAllClose(curve.gradientMagnitude, curves.probabilities.map((p) => Math.abs(form.slope(p))), 1e-3, 1e-5);
    }
  });

  it('ML has a smaller slope than CE for confident p (the paper\'s Fig. 1 claim) and takes custom specs', () => {
    const { curves } = lossCurves({ points: 3, from: 0.7, to: 0.9, losses: [{ name: 'ce' }, { name: 'ml' }, { name: 'caml', r: 3 }] });
    const [ce, ml, camlR3] = curves;
    ml!.gradientMagnitude.forEach((slope, index) => expect(slope).toBeLessThan(ce!.gradientMagnitude[index]!));
    expect(camlR3!.displayName).toBe('CAML (r=3)');
  });

  it('rejects bad options with a named error', () => {
    expect(() => lossCurves({ points: 1 })).toThrow(LossArgumentError);
    expect(() => lossCurves({ points: 1 })).toThrow('Error in lossCurves: points must be an integer in [2, 10000], but got 1');
  });
});
