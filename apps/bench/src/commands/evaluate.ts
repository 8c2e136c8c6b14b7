/**
 * `tfseg-bench evaluate`: per-class IoU and Dice and their means of a model directory on a dataset, at
 * native resolution: the model's test split on its own data, every image otherwise (or with --all).
 */
import { exitWithError } from '../errors';
import { evaluateModel, formatEvaluation } from '../model/evaluate-model';
import type { RegisterCommand } from './command';
import { numberFlag } from './train';

export const registerEvaluateCommand: RegisterCommand = (program) => {
  program
    .command('evaluate')
    .description("Score a trained model: per-class IoU and Dice, mIoU, on its test split (or all of a dataset)")
    .option('--model <dir>', 'a model directory written by tfseg-bench train')
    .option('--dataset <name>', 'dataset name; folder for your own data')
    .option('--root <dir>', 'dataset folder (required for folder)')
    .option('--fold <k>', "the test part of fold k (same folds and seed as the model's split)", numberFlag)
    .option('--all', 'every image of the dataset')
    .option('--json', 'print JSON: {dataset, part, images, head, classes, classIoU, classDice, meanIoU, meanDice}')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default auto)')
    .option('--threads <n|auto>', 'wasm threads (default auto)')
    .action(async (flags: Record<string, unknown>) => {
      try {
        const { json, threads, ...rest } = flags;
        const evaluation = await evaluateModel({ ...rest, ...(threads === undefined ? {} : { threads: threads === 'auto' ? 'auto' : numberFlag(String(threads)) }) } as Parameters<typeof evaluateModel>[0]);
        process.stdout.write(`${json ? JSON.stringify(evaluation) : formatEvaluation(evaluation)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
};
