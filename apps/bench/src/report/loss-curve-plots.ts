/**
 * The paper's Fig. 1 (loss value and gradient magnitude against p) and Fig. 2/5 (ML against CAML),
 * drawn from the real loss code through `@tfseg/losses`' `lossCurves`.
 */
// The union package registers the cpu backend and the gradients that lossCurves' tf.grad needs.
import '@tensorflow/tfjs';
import { ready } from '@tensorflow/tfjs-core';
import type { LossCurves } from '@tfseg/losses';
import { lossCurves } from '@tfseg/losses';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Traces the default losses (CE, Dice, additive λ 0.3/0.5/0.7, ML, CAML) once for both figures, on the
 * best backend that initializes (a registered wasm or native backend must finish loading first).
 */
export async function traceLossCurves(): Promise<LossCurves> {
  await ready();
  return lossCurves({ points: 66, from: 0.01, to: 0.99 });
}

/** Fig. 1: loss value and |dL/dp| against p for CE, Dice, the additive losses and ML. */
export function figureOneSpec(curves: LossCurves): TopLevelSpec {
  return curvesSpec(curves, (name) => name !== 'caml', 'Fig. 1 — loss value and gradient magnitude against p');
}

/** Fig. 2 / Fig. 5 (Erratum): ML against CAML, loss value and |dL/dp| against p. */
export function figureFiveSpec(curves: LossCurves): TopLevelSpec {
  return curvesSpec(curves, (name) => name === 'ml' || name === 'caml', 'Fig. 2/5 — ML against CAML (Erratum Eq. 13)');
}

function curvesSpec(curves: LossCurves, include: (lossName: string) => boolean, title: string): TopLevelSpec {
  const chosen = curves.curves.filter((curve) => include(curve.spec.name));
  const values = chosen.flatMap((curve) =>
    curves.probabilities.map((p, index) => ({ p, loss: curve.displayName, value: curve.loss[index], gradient: curve.gradientMagnitude[index] })),
  );
  const color = { field: 'loss', type: 'nominal', title: 'loss', sort: chosen.map((curve) => curve.displayName) } as const;
  const x = { field: 'p', type: 'quantitative', title: 'predicted probability of the true class p' } as const;
  return {
    title,
    data: { values },
    hconcat: [
      { width: 260, height: 200, mark: 'line', encoding: { x, y: { field: 'value', type: 'quantitative', title: 'loss value' }, color } },
      { width: 260, height: 200, mark: 'line', encoding: { x, y: { field: 'gradient', type: 'quantitative', title: '|dL/dp| (symlog scale)', scale: { type: 'symlog' }, axis: { values: [0, 0.5, 1, 2, 5, 10, 20, 50, 100], format: '~r' } }, color } },
    ],
  } as TopLevelSpec;
}
