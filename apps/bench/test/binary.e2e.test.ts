/**
 * A binary dataset of your own (0/255 masks) with a one-channel sigmoid head, end to end through the
 * built CLI: `train --activation sigmoid`, `predict` (0/255 masks) and `evaluate` (foreground IoU/Dice);
 * and the loss-option flags' bad combinations (exit 2, naming the flag and what was expected).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPng } from '@tfseg/datasets';
import { ConfusionMatrix } from '@tfseg/metrics';
import { encode } from 'fast-png';
import { writeDrosophilaFolder } from '../src/__fixtures__/folder-datasets';
import { modelCardSchema } from '../src/model/model-card';
import { runCli, temporaryDirectory } from './cli';

const work = temporaryDirectory();
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIDE = 48;

/** `count` grey 48² images of a bright bar and disk on a noisy background; masks 255 on them, 0 elsewhere. */
function writeVesselFolder(root: string, count: number): void {
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'masks'), { recursive: true });
  writeFileSync(join(root, 'dataset.yaml'), 'classes: [{ name: background, values: [0] }, { name: vessel, values: [255] }]\n');
  for (let index = 0; index < count; index++) {
    const image = new Uint8Array(SIDE * SIDE);
    const mask = new Uint8Array(SIDE * SIDE);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const i = y * SIDE + x;
        const vessel = Math.abs(x - (8 + 3 * index + y / 3)) < 2.5 || (x - 30) ** 2 + (y - 12 - 2 * index) ** 2 < 30;
        mask[i] = vessel ? 255 : 0;
        image[i] = (vessel ? 150 : 40) + ((i * 7919 + index * 104729) % 61);
      }
    }
    const id = String(index).padStart(2, '0');
    writeFileSync(join(root, 'images', `${id}.png`), encode({ width: SIDE, height: SIDE, data: image, channels: 1, depth: 8 }));
    writeFileSync(join(root, 'masks', `${id}.png`), encode({ width: SIDE, height: SIDE, data: mask, channels: 1, depth: 8 }));
  }
}

describe('train --activation sigmoid → predict → evaluate on a binary folder dataset', () => {
  const root = join(work, 'vessels');
  const model = join(work, 'model');
  const predictions = join(work, 'predictions');
  writeVesselFolder(root, 8);

  it('train writes a one-channel sigmoid model and tfseg.json with the loss options', () => {
    const result = runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'caml', '--activation', 'sigmoid', '--class-weights', '2', '--dice-reduction', 'image', '--size', '32', '--epochs', '2', '--steps-per-epoch', '4', '--learning-rate', '0.01', '--out', model]);
    expect(result.stderr).toMatch(/epoch 2\/2: loss \d/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/model written to .*: one sigmoid channel \(vessel\), validation vessel IoU \d/);
    const card = modelCardSchema.parse(JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')));
    expect(card.loss).toEqual({ name: 'caml', activation: 'sigmoid', classWeights: [2], diceReduction: 'image' });
    expect(card.model).toMatchObject({ output: 'sigmoid', numClasses: 1 });
    expect(card.classes).toEqual([{ name: 'background', values: [0] }, { name: 'vessel', values: [255] }]);
    expect(card.curve.trainLoss).toHaveLength(2);
  });

  it('predict writes 0/255 masks at native size; evaluate reports the vessel IoU and Dice of the same labels', () => {
    const card = modelCardSchema.parse(JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')));
    const images = card.split.test.map((id) => join(root, 'images', `${id}.png`));
    expect(runCli(['predict', '--model', model, '--out', predictions, '--probabilities', ...images]).status).toBe(0);
    const matrix = new ConfusionMatrix(2);
    for (const id of card.split.test) {
      const labels = readPng(readFileSync(join(predictions, `${id}.png`)));
      expect([labels.width, labels.height, labels.channels]).toEqual([SIDE, SIDE, 1]);
      expect([...new Set(labels.data)].every((value) => value === 0 || value === 255)).toBe(true);
      // The written probability of the vessel class is above one half exactly where the mask says vessel.
      const vessel = readPng(readFileSync(join(predictions, `${id}.probability-1.png`))).data;
      labels.data.forEach((value, i) => (value === 255 ? expect(vessel[i]).toBeGreaterThanOrEqual(127) : expect(vessel[i]).toBeLessThanOrEqual(128)));
      const truth = readPng(readFileSync(join(root, 'masks', `${id}.png`))).data;
      matrix.update(Uint8Array.from(truth, (value) => (value === 255 ? 1 : 0)), Uint8Array.from(labels.data, (value) => (value === 255 ? 1 : 0)));
    }
    const evaluation = runCli(['evaluate', '--model', model, '--dataset', 'folder', '--root', root, '--json']);
    expect(evaluation.status).toBe(0);
    const scores = JSON.parse(evaluation.stdout) as { head: string; classes: string[]; classIoU: Array<number | null>; meanIoU: number; meanDice: number };
    expect(scores).toMatchObject({ head: 'sigmoid', classes: ['vessel'] });
    expect(scores.meanIoU).toBeCloseTo(matrix.iou()[1] as number, 10);
    expect(scores.meanDice).toBeCloseTo(matrix.dice()[1] as number, 10);
    const table = runCli(['evaluate', '--model', model, '--dataset', 'folder', '--root', root]);
    expect(table.stdout).toMatch(/one-channel sigmoid model: the foreground alone, background not in the mean/);
    expect(table.stdout).toMatch(/^\s+vessel\s+\d/m);
  });
});

describe('bad loss options are one line naming the flag, exit 2', () => {
  const vessels = join(work, 'vessels');
  const drosophila = join(work, 'drosophila');
  writeDrosophilaFolder(drosophila, 2);
  const train = (root: string, ...flags: string[]) => runCli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'ml', '--size', '32', '--epochs', '1', '--out', join(work, 'never'), ...flags]);

  it.each([
    [[drosophila, '--activation', 'sigmoid'], /^tfseg-bench: train\.loss\.activation \(--activation\): 'sigmoid' trains one sigmoid channel and needs a binary dataset \(a background and one foreground class\), but folder has 5 classes \(membrane, /],
    [[vessels, '--activation', 'sigmoid', '--class-weights', '0.2,1,3'], /^tfseg-bench: train\.loss\.classWeights \(--class-weights\): must list one weight per output channel, 1 \(the sigmoid channel: vessel\), but got 3/],
    [[drosophila, '--class-weights', '1,2'], /^tfseg-bench: train\.loss\.classWeights \(--class-weights\): must list one weight per output channel, 5 \(the classes membrane, /],
    [[vessels, '--activation', 'sigmoid', '--include-background', 'false'], /^tfseg-bench: train\.loss\.includeBackground \(--include-background\): a one-channel sigmoid head has no background channel/],
    [[vessels, '--include-background', 'maybe'], /^tfseg-bench: train\.loss\.includeBackground: must be a boolean/],
    [[vessels, '--activation', 'tanh'], /^tfseg-bench: train\.loss\.activation: must be "softmax" or "sigmoid"/],
    [[vessels, '--dice-reduction', 'pixel'], /^tfseg-bench: train\.loss\.diceReduction: must be "batch" or "image"/],
    [[vessels, '--class-weights', '1,x'], /^tfseg-bench: train\.loss\.classWeights\.1: must be a finite number >= 0/],
    [[vessels, '--ignore-index', '255'], /^tfseg-bench: train\.loss\.ignoreIndex \(--ignore-index\): must be a class index of folder, 0\.\.1 \(0 background, 1 vessel\)/],
  ])('train %j', (args, message) => {
    const [root, ...flags] = args as [string, ...string[]];
    const result = train(root, ...flags);
    expect(result).toMatchObject({ status: 2, stderr: expect.stringMatching(message) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
