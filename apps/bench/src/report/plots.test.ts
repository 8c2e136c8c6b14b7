import { aggregateRecords } from './aggregate';
import { fractionSpec, lambdaSpec, trainingCurvesSpec } from './plots';
import { renderSvg } from './render-svg';
import { makeRecord, syntheticSweep } from './__fixtures__/synthetic-records';

type Layer = { data: { values: Record<string, unknown>[] } };

describe('plots', () => {
  const tables = aggregateRecords(syntheticSweep());
  const full = tables.find((table) => table.fraction === 1)!;

  it('plots mIoU against λ with ML and CAML as horizontal lines, ours and the paper’s', () => {
    const spec = lambdaSpec(full, 'λ') as unknown as { layer: Layer[] };
    const points = spec.layer[0]!.data.values;
    expect(points.filter((point) => point.source === 'ours').map((point) => point.lambda)).toEqual([0.3, 0.5, 0.7]);
    expect(points.filter((point) => point.source === 'paper').map((point) => point.mean)).toEqual([69.13, 68.93, 69.26]);
    const lines = spec.layer[2]!.data.values;
    expect(lines.map((line) => `${line.loss}/${line.source}`)).toEqual(['ML/ours', 'ML/paper', 'CAML/ours', 'CAML/paper']);
    expect(lambdaSpec(aggregateRecords([makeRecord({ loss: { name: 'ml' }, classIoU: [0.5, 0.5, 0.5, 0.5, 0.5] })])[0]!, 'none')).toBeUndefined();
  });

  it('plots mIoU against training fraction, one point per loss and fraction', () => {
    const spec = fractionSpec(tables, 'fraction') as unknown as Layer;
    const ours = spec.data.values.filter((value) => value.source === 'ours');
    expect(ours).toHaveLength(14);
    expect(new Set(ours.map((value) => value.fraction))).toEqual(new Set([1, 0.125]));
  });

  it('averages training curves over runs per epoch and renders them to SVG without a canvas', async () => {
    const spec = trainingCurvesSpec(full, 'curves')!;
    const values = (spec as unknown as Layer).data.values;
    expect(values).toHaveLength(7 * 4);
    expect(values[0]).toEqual({ epoch: 1, loss: 'CE', trainLoss: 1.2, validationMeanIoU: 30 });
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('validation mIoU (%)');
    expect(svg).toContain('>curves<');
  });
});
