/**
 * Your own data, end to end through the built CLI: the vendored Drosophila images written into the folder
 * layout (classes owning several mask values), `datasets stats`, `train`, `predict` at native size and
 * `evaluate`; and a CT folder of NIfTI volumes, NIfTI in → NIfTI out.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti, readPng, writeNifti } from '@tfseg/datasets';
import { ConfusionMatrix } from '@tfseg/metrics';
import { decode } from 'fast-png';
import { writeDrosophilaFolder } from '../src/__fixtures__/folder-datasets';
import { modelCardSchema } from '../src/model/model-card';
import { runCli, temporaryDirectory } from './cli';

const work = temporaryDirectory();
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A CT placed in scanner space (qform and sform set, millimetres), as a real scanner's file is. */
const ctGeometry = { qformCode: 1, sformCode: 1, qfac: -1, quatern: [0, 0, 1] as [number, number, number], qoffset: [180, 170, -300] as [number, number, number], srow: [-0.75, 0, 0, 180, 0, -0.75, 0, 170, 0, 0, 5, -300], xyztUnits: 2 };

describe('train → predict → evaluate on the Drosophila images in the folder layout', () => {
  const root = join(work, 'drosophila');
  const model = join(work, 'model');
  const predictions = join(work, 'predictions');
  writeDrosophilaFolder(root, 6);
  const firstValues = [0, 191, 223, 159, 255];

  it('datasets stats counts the folder like the paper dataset', () => {
    const result = runCli(['datasets', 'stats', 'folder', '--root', root, '--json']);
    expect(result.status).toBe(0);
    const stats = JSON.parse(result.stdout) as { images: number; height: number; width: number; pixelCounts: number[] };
    expect(stats).toMatchObject({ images: 6, height: 1024, width: 1024 });
    expect(stats.pixelCounts.reduce((a, b) => a + b, 0)).toBe(6 * 1024 * 1024);
  });

  it('train writes a tfjs model and tfseg.json with the classes, their mask values and the split', () => {
    const result = runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'caml', '--size', '32', '--scale', '0.125', '--epochs', '2', '--steps-per-epoch', '3', '--out', model]);
    expect(result.stderr).toMatch(/epoch 2\/2: loss \d/);
    expect(result.status).toBe(0);
    expect(existsSync(join(model, 'model.json')) && existsSync(join(model, 'weights.bin'))).toBe(true);
    expect(existsSync(join(model, 'checkpoint'))).toBe(false);
    const card = modelCardSchema.parse(JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')));
    expect(card.classes.map((entry) => entry.values)).toEqual([[0, 32, 64, 96, 128], [191], [223], [159], [255]]);
    expect(card.input).toMatchObject({ size: 32, scale: 0.125, channels: 1, mode: 'sliding-window' });
    expect(card.loss).toEqual({ name: 'caml' });
    expect(card.curve.trainLoss).toHaveLength(2);
    expect(card.dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const { train, validation, test } = card.split;
    expect([...train, ...validation, ...test].sort()).toEqual(['00', '01', '02', '03', '04', '05']);
    expect(test.length).toBeGreaterThan(0);

    const again = runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'caml', '--out', model]);
    expect(again).toMatchObject({ status: 2, stderr: expect.stringMatching(/already holds a trained model/) });
  });

  it('predict writes label images at native size holding each class\'s first mask value; evaluate scores the same labels', () => {
    const card = modelCardSchema.parse(JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')));
    const images = card.split.test.map((id) => join(root, 'images', `${id}.tif`));
    const result = runCli(['predict', '--model', model, '--out', predictions, '--overlay', ...images]);
    expect(result.status).toBe(0);
    const matrix = new ConfusionMatrix(5);
    for (const id of card.split.test) {
      const labels = readPng(readFileSync(join(predictions, `${id}.png`)));
      expect([labels.width, labels.height, labels.channels]).toEqual([1024, 1024, 1]);
      expect([...new Set(labels.data)].every((value) => firstValues.includes(value))).toBe(true);
      const overlay = decode(readFileSync(join(predictions, `${id}.overlay.png`)));
      expect(overlay.width).toBe(1024);
      expect(overlay.height).toBeGreaterThan(1024); // the legend below the image
      const truth = readPng(readFileSync(join(root, 'masks', `${id}.png`))).data;
      const toClass = (value: number): number => (value <= 128 ? 0 : firstValues.indexOf(value));
      matrix.update(Uint8Array.from(truth, toClass), Uint8Array.from(labels.data, toClass));
    }
    const evaluation = runCli(['evaluate', '--model', model, '--dataset', 'folder', '--root', root, '--json']);
    expect(evaluation.status).toBe(0);
    const scores = JSON.parse(evaluation.stdout) as { part: string; images: number; classIoU: Array<number | null>; meanIoU: number };
    expect(scores).toMatchObject({ part: `test of fold ${card.split.fold}`, images: card.split.test.length });
    expect(scores.meanIoU).toBeCloseTo(matrix.meanIoU(), 10);
  });

  it('bad input is one line naming the problem and exit 2', () => {
    expect(runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--loss', 'focal', '--out', join(work, 'x')])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^tfseg-bench: train\.loss\.name: .*Expected 'ce' \| 'dice'/) });
    expect(runCli(['predict', '--model', join(work, 'nowhere'), '--out', predictions, join(root, 'images', '00.tif')])).toMatchObject({ status: 2, stderr: expect.stringMatching(/nowhere\/tfseg.json is missing/) });
  });
});

describe('a CT folder of NIfTI volumes', () => {
  const root = join(work, 'ct');
  const [width, height, depth] = [48, 40, 4];
  /** A bright disc (lesion, mask value 2) on a darker body (value 1), Hounsfield units. */
  function writeVolume(id: string, shift: number): void {
    const hounsfield = new Float32Array(width * height * depth);
    const labels = new Uint8Array(width * height * depth);
    for (let k = 0; k < depth; k++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (k * height + y) * width + x;
          const body = (x - 24) ** 2 / 400 + (y - 20) ** 2 / 300 < 1;
          const lesion = (x - 20 - shift) ** 2 + (y - 18) ** 2 < 25;
          labels[i] = lesion ? 2 : body ? 1 : 0;
          hounsfield[i] = lesion ? 100 : body ? -600 : -1000;
        }
      }
    }
    writeFileSync(join(root, 'images', `${id}.nii.gz`), writeNifti([width, height, depth], hounsfield, { datatype: 'int16', gzip: true, spacing: [0.7, 0.7, 5], geometry: ctGeometry }));
    writeFileSync(join(root, 'masks', `${id}.nii.gz`), writeNifti([width, height, depth], labels, { datatype: 'uint8', gzip: true }));
  }

  it('trains on axial slices grouped by volume and predicts a NIfTI label volume of the same size', () => {
    mkdirSync(join(root, 'images'), { recursive: true });
    mkdirSync(join(root, 'masks'), { recursive: true });
    writeFileSync(join(root, 'dataset.yaml'), 'classes:\n  - { name: background, values: [0] }\n  - { name: body, values: [1] }\n  - { name: lesion, values: [2] }\n');
    for (const [index, id] of ['ct-a', 'ct-b', 'ct-c'].entries()) writeVolume(id, 2 * index);
    const stats = JSON.parse(runCli(['datasets', 'stats', 'folder', '--root', root, '--json']).stdout) as { images: number };
    expect(stats.images).toBe(3 * depth);
    const model = join(work, 'ct-model');
    const train = runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'ml', '--size', '32', '--epochs', '1', '--steps-per-epoch', '2', '--out', model]);
    expect(train.status).toBe(0);
    const card = modelCardSchema.parse(JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')));
    // Slices of one volume never straddle parts of the split.
    const volumeOf = (id: string): string => id.replace(/-slice-\d+$/, '');
    const parts = [card.split.train, card.split.validation, card.split.test].map((ids) => new Set(ids.map(volumeOf)));
    expect(parts[0]!.size + parts[1]!.size + parts[2]!.size).toBe(3);
    expect(card.input.volumeWindow).toEqual([-1250, 250]);

    const out = join(work, 'ct-predictions');
    const predict = runCli(['predict', '--model', model, '--out', out, '--probabilities', join(root, 'images', 'ct-a.nii.gz')]);
    expect(predict.status).toBe(0);
    const volume = readNifti(readFileSync(join(out, 'ct-a.nii.gz')));
    expect(volume.dims).toEqual([width, height, depth]);
    expect(volume.spacing).toEqual([expect.closeTo(0.7, 5), expect.closeTo(0.7, 5), 5]);
    // The mask lies on the CT in a viewer: the same qform, sform and units as the input volume.
    expect(volume.geometry).toEqual(ctGeometry);
    expect([...new Set(volume.data)].every((value) => [0, 1, 2].includes(value))).toBe(true);
    expect(readNifti(readFileSync(join(out, 'ct-a.probabilities.nii.gz'))).dims).toEqual([width, height, depth, 3]);
  });
});
