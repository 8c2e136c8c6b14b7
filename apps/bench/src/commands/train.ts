/**
 * `tfseg-bench train`: trains one model on one dataset (the paper's or your own folder) and writes a model
 * directory (tfjs model.json + weights.bin + tfseg.json). Flags or `--config FILE` with the same fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { TrainingEvent } from '@tfseg/training';
import { parse as parseYaml } from 'yaml';
import { lossSpecSchema } from '@tfseg/losses';
import { BenchError, exitWithError } from '../errors';
import { trainModel, type TrainModelOptions } from '../model/train-model';
import type { RegisterCommand } from './command';

/** Reads a `--config` file (JSON or YAML) as a plain object; the fields are validated with the flags. */
export function readOptionsFile(file: string, command: string): Record<string, unknown> {
  if (!existsSync(file)) throw new BenchError(`${command}: config file ${file} does not exist`);
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new BenchError(`${command}: config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BenchError(`${command}: config file ${file} must hold a mapping of options`);
  return raw as Record<string, unknown>;
}

/** A numeric flag as given (commander hands over strings); a non-number stays visible to the schema as NaN. */
export function numberFlag(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** A boolean flag's value: `true` or `false`; anything else is passed on as given, for the schema to name. */
export function booleanFlag(value: string): boolean | string {
  return value === 'true' ? true : value === 'false' ? false : value;
}

/** A comma-separated list of numbers (`0.2,1,3`), each read as {@link numberFlag}. */
export function numberListFlag(value: string): number[] {
  return value.split(',').map(numberFlag);
}

/** The loss options a flag can set: every field of @tfseg/losses' specs but `name` (derived, never listed). */
export const LOSS_OPTION_FIELDS: ReadonlySet<string> = new Set(lossSpecSchema.options.flatMap((option) => Object.keys(option.shape)).filter((field) => field !== 'name'));

/**
 * Commander's flags → the fields of {@link TrainModelOptions} (only those given), merged over `--config`:
 * `--loss` names the loss, and every flag named like a loss option (`--lambda`, `--activation`,
 * `--class-weights`, ...) goes into the loss spec, which the losses' own schema then checks.
 */
export function trainOptionsFrom(flags: Record<string, unknown>): TrainModelOptions {
  const { config, loss, ...rest } = flags;
  const fromFile = typeof config === 'string' ? readOptionsFile(config, 'train') : {};
  const lossFlags = Object.fromEntries(Object.entries(rest).filter(([field]) => LOSS_OPTION_FIELDS.has(field)));
  const others = Object.fromEntries(Object.entries(rest).filter(([field]) => !LOSS_OPTION_FIELDS.has(field)));
  const fileLoss = fromFile['loss'];
  const baseLoss = typeof loss === 'string' ? { name: loss } : typeof fileLoss === 'string' ? { name: fileLoss } : (fileLoss as Record<string, unknown> | undefined);
  const mergedLoss = baseLoss === undefined && Object.keys(lossFlags).length === 0 ? undefined : { ...baseLoss, ...lossFlags };
  return { ...fromFile, ...others, ...(mergedLoss === undefined ? {} : { loss: mergedLoss }) } as TrainModelOptions;
}

/** Progress: a bar over all steps on a terminal, one line per epoch otherwise (logs, CI). */
function progressReporter(epochs: number, stream: NodeJS.WriteStream = process.stderr): { onProgress: (event: TrainingEvent) => void; stop: () => void } {
  const bar = stream.isTTY ? new SingleBar({ stream, format: 'train {bar} {percentage}% epoch {epoch}/{epochs} loss {loss} | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  let stepsPerEpoch: number | undefined;
  let lastStepInEpoch = 0;
  return {
    onProgress(event) {
      if (event.type === 'step') {
        lastStepInEpoch = event.stepInEpoch;
        if (bar && !started) {
          bar.start(epochs, 0, { epoch: event.epoch + 1, epochs, loss: '-' });
          started = true;
        }
        bar?.update(event.epoch + (stepsPerEpoch ? event.stepInEpoch / stepsPerEpoch : 0), { epoch: event.epoch + 1, epochs, loss: event.loss.toFixed(4) });
      } else if (event.type === 'epoch') {
        stepsPerEpoch ??= lastStepInEpoch + 1;
        const validation = event.validationMeanIoU === undefined ? '' : ` validation mIoU ${(100 * event.validationMeanIoU).toFixed(2)} %${event.isBest ? ' (best so far)' : ''}`;
        if (bar) bar.update(event.epoch + 1, { epoch: event.epoch + 1, epochs, loss: event.trainLoss.toFixed(4) });
        else stream.write(`epoch ${event.epoch + 1}/${epochs}: loss ${event.trainLoss.toFixed(4)}${validation}\n`);
      } else if (event.type === 'resumed') {
        stream.write(`resuming from ${event.checkpointDir} after epoch ${event.epoch}\n`);
      }
    },
    stop() {
      if (started) bar?.stop();
    },
  };
}

export const registerTrainCommand: RegisterCommand = (program) => {
  program
    .command('train')
    .description('Train one model on one dataset split and write MODEL_DIR (model.json, weights.bin, tfseg.json); rerun to resume')
    .option('--config <file>', 'a JSON or YAML file with the same fields (flags override it)')
    .option('--dataset <name>', 'dataset name (tfseg-bench datasets list); folder for your own data')
    .option('--root <dir>', "dataset folder (required for folder; default: the dataset's own location)")
    .option('--model <name>', 'unet, transunet or convformer-unet')
    .option('--preset <name>', 'paper, small (default) or tiny')
    .option('--base-width <w>', "override the preset's base width", numberFlag)
    .option('--loss <name>', 'ce, dice, additive, ml or caml')
    .option('--lambda <l>', 'λ of the additive loss (eq. 1)', numberFlag)
    .option('--r <r>', "CAML's constant exponent r (Table 4 ablation)", numberFlag)
    .option('--activation <a>', 'softmax (default) or sigmoid: one sigmoid channel for a binary dataset (background + one class)')
    .option('--include-background <bool>', 'false leaves the background class out of the Dice term (MONAI include_background)', booleanFlag)
    .option('--class-weights <w,...>', 'one weight per output channel, e.g. 0.2,1,3 (classes; 1 weight with --activation sigmoid)', numberListFlag)
    .option('--ignore-index <k>', "a class index whose pixels count nowhere, in the loss and the scores (e.g. an 'unknown' class of your dataset.yaml)", numberFlag)
    .option('--dice-reduction <r>', "batch (default, the paper's) or image: Dice per image, then the mean")
    .option('--size <px>', 'side of the square model input (default 256)', numberFlag)
    .option('--scale <s>', 'downscale every image first, in (0, 1] (default 1)', numberFlag)
    .option('--epochs <e>', 'epochs (default 20)', numberFlag)
    .option('--steps-per-epoch <s>', 'optimisation steps per epoch (default: one pass)', numberFlag)
    .option('--batch-size <b>', 'batch size (default 4)', numberFlag)
    .option('--learning-rate <lr>', 'Adam learning rate (default 1e-3)', numberFlag)
    .option('--train-patches <n>', "random training crops (default: the dataset's protocol)", numberFlag)
    .option('--fold <k>', 'test fold, 0-based (default 0 of 5)', numberFlag)
    .option('--folds <k>', "number of folds (default: the dataset's protocol, 5)", numberFlag)
    .option('--all-data', 'train on every group but the validation ones (no test part)')
    .option('--seed <s>', 'seed of split, weights and augmentation (default 0)', numberFlag)
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default auto)')
    .option('--threads <n|auto>', 'wasm threads (default auto)')
    .option('--fma', 'train with fused multiply-adds (wasm only; faster on CPUs with FMA, weights differ in the last bits)')
    .option('--out <dir>', 'the model directory to write')
    .action(async ({ fma, ...flags }: Record<string, unknown>) => {
      const options = trainOptionsFrom({
        ...flags,
        ...(typeof flags['threads'] === 'string' && flags['threads'] !== 'auto' ? { threads: numberFlag(flags['threads']) } : {}),
        // `--fma` is the options' (and a --config file's) fusedMultiplyAdd.
        ...(fma === true ? { fusedMultiplyAdd: true } : {}),
      });
      const progress = progressReporter(typeof options.epochs === 'number' ? options.epochs : 20);
      try {
        const card = await trainModel(options, { onProgress: progress.onProgress, log: (line) => process.stderr.write(`${line}\n`) });
        progress.stop();
        // A sigmoid head's score is its foreground channel's IoU (background not included).
        const sigmoid = card.model.output === 'sigmoid';
        const score = sigmoid ? `${card.classes[1]?.name ?? 'foreground'} IoU` : 'mIoU';
        const validation = card.validationMeanIoU === null ? 'no validation set' : `validation ${score} ${(100 * card.validationMeanIoU).toFixed(2)} % (epoch ${card.bestEpoch + 1})`;
        const head = sigmoid ? `one sigmoid channel (${card.classes[1]?.name ?? 'foreground'})` : `${card.classes.length} classes`;
        process.stdout.write(`model written to ${options.out}: ${head}, ${validation}\n`);
      } catch (error) {
        progress.stop();
        exitWithError(error);
      }
    });
};
