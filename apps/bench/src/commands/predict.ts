/**
 * `tfseg-bench predict`: label images (or NIfTI label volumes) at each input's native size from a model
 * directory, optionally with overlays and class probabilities.
 */
import { exitWithError } from '../errors';
import { predictFiles } from '../model/predict-files';
import type { RegisterCommand } from './command';
import { numberFlag } from './train';

export const registerPredictCommand: RegisterCommand = (program) => {
  program
    .command('predict')
    .description("Segment images with a trained model: OUT_DIR/<id>.png at the input's size holding each class's first mask value (NIfTI in, NIfTI out)")
    .argument('<images...>', 'image files: png, tif/tiff, jpg/jpeg, nii, nii.gz')
    .option('--model <dir>', 'a model directory written by tfseg-bench train')
    .option('--out <dir>', 'folder for the label images')
    .option('--overlay', 'also write <id>.overlay.png: the prediction over the image, with a legend')
    .option('--probabilities', 'also write the class probabilities (<id>.probability-<k>.png, or <id>.probabilities.nii.gz)')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu (default auto)')
    .option('--threads <n|auto>', 'wasm threads (default auto)')
    .action(async (images: string[], flags: Record<string, unknown>) => {
      try {
        const threads = typeof flags['threads'] === 'string' && flags['threads'] !== 'auto' ? numberFlag(flags['threads']) : flags['threads'];
        const written = await predictFiles({ ...flags, ...(threads === undefined ? {} : { threads }), images } as Parameters<typeof predictFiles>[0], (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`${written.length} prediction${written.length === 1 ? '' : 's'} written to ${String(flags['out'])}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
};
