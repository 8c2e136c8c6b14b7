/**
 * Plain float64 JavaScript versions of eqs. 1–5 and 13, written straight from the paper with loops, so
 * tests can check the tfjs losses (and their gradients, by finite differences) against an independent
 * implementation. Test-only; not part of the package surface.
 */
import type { LossSpec } from '../spec';

export type Matrix = number[][];

export interface ReferenceTerms {
  crossEntropy: number;
  diceLoss: number;
  /** Σᵢ y·p per class. */
  intersections: number[];
  /** Σᵢ y + Σᵢ p per class. */
  denominators: number[];
  trueClassConfidence: number;
  meanProbability: number;
}

export function referenceTerms(y: Matrix, p: Matrix, epsilon = 1e-7, smooth = 1e-6): ReferenceTerms {
  const pixels = y.length;
  const classes = (y[0] as number[]).length;
  let crossEntropy = 0;
  let probabilitySum = 0;
  const intersections = new Array<number>(classes).fill(0);
  const denominators = new Array<number>(classes).fill(0);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < classes; c++) {
      const yic = (y[i] as number[])[c] as number;
      const pic = (p[i] as number[])[c] as number;
      crossEntropy -= yic * Math.log(Math.min(Math.max(pic, epsilon), 1));
      intersections[c] = (intersections[c] as number) + yic * pic;
      denominators[c] = (denominators[c] as number) + yic + pic;
      probabilitySum += pic;
    }
  }
  const meanDice = intersections.reduce((sum, intersection, c) => sum + (2 * intersection + smooth) / ((denominators[c] as number) + smooth), 0) / classes;
  return {
    crossEntropy: crossEntropy / pixels,
    diceLoss: 1 - meanDice,
    intersections,
    denominators,
    trueClassConfidence: intersections.reduce((a, b) => a + b, 0) / pixels,
    meanProbability: probabilitySum / (pixels * classes),
  };
}

/** The loss of `spec` on [P, C] matrices. For CAML, `frozenDice` fixes D (what the stopped gradient sees). */
export function referenceLoss(spec: LossSpec, y: Matrix, p: Matrix, frozenDice?: number): number {
  const terms = referenceTerms(y, p, spec.name === 'dice' ? undefined : spec.epsilon, spec.name === 'ce' ? undefined : spec.smooth);
  switch (spec.name) {
    case 'ce':
      return terms.crossEntropy;
    case 'dice':
      return terms.diceLoss;
    case 'additive': {
      const lambda = spec.lambda ?? 0.5;
      return lambda * terms.diceLoss + (1 - lambda) * terms.crossEntropy;
    }
    case 'ml':
      return terms.diceLoss * terms.crossEntropy;
    case 'caml': {
      const floor = 1e-12;
      const confidence = spec.confidence === 'mean-probability' ? terms.meanProbability : terms.trueClassConfidence;
      const exponent = spec.r ?? frozenDice ?? 1 - terms.diceLoss;
      const alpha = Math.max(1 - confidence, floor) ** exponent;
      return terms.diceLoss * Math.max(terms.crossEntropy, floor) ** alpha;
    }
  }
}

/** Central finite differences of `f` at every entry of `p` (float64, step `h`). */
export function finiteDifferenceGradient(f: (p: Matrix) => number, p: Matrix, h = 1e-6): Matrix {
  return p.map((row, i) =>
    row.map((_, c) => {
      const shifted = (delta: number) => f(p.map((r, k) => r.map((v, j) => (k === i && j === c ? v + delta : v))));
      return (shifted(h) - shifted(-h)) / (2 * h);
    }),
  );
}
