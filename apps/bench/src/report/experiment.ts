/**
 * The report's header: what experiment the records come from, beside the paper's (Sec. 4.1), so that a
 * CPU preset is never mistaken for a reproduction — image size and scale, models and widths, training
 * length, fractions, folds × seeds, split seed, initialisation, Adam's ε and backend (and its arithmetic).
 */
import type { RunRecord } from '../results/record';
import { modelVariant } from './aggregate';
import type { Grid, GridCell } from './grid';
import { datasetLabel, fractionRatio, modelLabel } from './labels';

/** One line of the comparison: what this sweep did, what the paper did, and whether they differ. */
export interface ExperimentSetting {
  name: string;
  ours: string;
  paper: string;
  /** True when this sweep departs from the paper here. */
  differs: boolean;
}

/** Adam's ε when a run does not set it: @tfseg/training's default, Keras' 1e-7. */
const DEFAULT_ADAM_EPSILON = 1e-7;

const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)];
const list = (values: readonly (string | number)[]): string => values.join(', ');

/**
 * The settings of the records' sweep(s) beside the paper's. Values that vary across runs are listed;
 * `differs` is set where ours cannot be the paper's.
 */
export function describeExperiment(records: readonly RunRecord[]): ExperimentSetting[] {
  const configs = records.map((record) => record.config);
  if (configs.length === 0) return [];
  const scales = distinct(configs.map((config) => (typeof config.data.scale === 'number' ? config.data.scale : 1)));
  const sizes = distinct(configs.map((config) => config.imageSize));
  const models = distinct(configs.map((config) => {
    const variant = modelVariant({ ...config, init: undefined });
    return `${modelLabel(config.model)} ${config.modelPreset}${variant ? ` (${variant})` : ''}`;
  }));
  const fullSize = configs.every((config) => config.modelPreset === 'paper' && config.baseWidth === undefined && config.batchNorm === undefined);
  const training = distinct(configs.map((config) => `${config.epochs} epochs × ${config.stepsPerEpoch === undefined ? 'one pass' : `${config.stepsPerEpoch} steps${config.fullBatches === true ? '' : ' (passes ending in a smaller batch)'}`}, batch ${config.batchSize}, Adam lr ${config.learningRate}`));
  const fractions = distinct(configs.map((config) => config.fraction)).sort((a, b) => b - a);
  const folds = distinct(configs.map((config) => config.folds));
  const foldIndices = distinct(configs.map((config) => config.fold));
  const seeds = distinct(configs.map((config) => config.seed));
  const splitSeeds = distinct(configs.map((config) => config.splitSeed));
  const inits = distinct(configs.map((config) => config.init ?? 'he'));
  const epsilons = distinct(configs.map((config) => config.adamEpsilon ?? DEFAULT_ADAM_EPSILON));
  const backends = distinct(configs.map((config) => (config.fusedMultiplyAdd === true ? `${config.backend} with fused multiply-adds` : config.backend)));
  const allFolds = folds.length === 1 && foldIndices.length === folds[0];
  return [
    { name: 'Datasets', ours: list(distinct(configs.map((config) => datasetLabel(config.dataset)))), paper: 'COVID-19, CHASE, Drosophila', differs: false },
    {
      name: 'Image size',
      ours: `${list(sizes)} px patches${scales.some((scale) => scale !== 1) ? `, images scaled by ${list(scales)}` : ''}`,
      paper: '256 px (Drosophila: 256² crops of 1024²; COVID-19, CHASE: resized to 256²)',
      differs: sizes.some((size) => size !== 256) || scales.some((scale) => scale !== 1),
    },
    { name: 'Models', ours: list(models), paper: 'full size (the paper presets)', differs: !fullSize },
    { name: 'Training', ours: list(training), paper: 'batch 4, Adam lr 1e-3 (epochs not stated)', differs: configs.some((config) => config.batchSize !== 4 || config.learningRate !== 1e-3) },
    { name: 'Training fractions', ours: list(fractions.map(fractionRatio)), paper: '1, 1/4, 1/8 (CHASE: 1, 1/2, 1/4)', differs: false },
    {
      name: 'Folds × seeds',
      ours: `${allFolds ? `${folds[0]} folds` : `folds ${list(foldIndices.sort((a, b) => a - b))} of ${list(folds)}`} × ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${list(seeds)})`,
      paper: '5 folds × 3 initialisations',
      differs: !allFolds || folds[0] !== 5 || seeds.length !== 3,
    },
    { name: 'Split', ours: `protocol split seed ${list(splitSeeds)}: every seed of a setting sees the same folds and subsets`, paper: 'fixed random seeds', differs: false },
    {
      name: 'Initialisation',
      ours: list(inits.map((init) => (init === 'torch' ? 'torch (torch.nn defaults)' : 'he (He-normal conv, Glorot dense, zero biases)'))),
      paper: 'not stated; the reference implementations are PyTorch (torch.nn defaults)',
      differs: inits.some((init) => init !== 'torch'),
    },
    { name: "Adam's ε", ours: list(epsilons), paper: "not stated; PyTorch's default is 1e-8", differs: epsilons.some((epsilon) => epsilon !== 1e-8) },
    { name: 'Backend', ours: list(backends), paper: 'one NVIDIA A6000 GPU', differs: false },
  ];
}

/** A sentence under the header: whether the sweep is the paper's experiment, and where it departs. */
export function experimentVerdict(settings: readonly ExperimentSetting[]): string {
  const departures = settings.filter((setting) => setting.differs).map((setting) => setting.name.toLowerCase());
  if (settings.length === 0) return '';
  return departures.length === 0
    ? "This sweep runs the paper's protocol at the paper's settings."
    : `This sweep is NOT a reproduction of the paper's experiment: it differs in ${departures.join(', ')}. Compare its numbers with the paper's with that in mind.`;
}

const plain = (text: string): GridCell => ({ text, bold: false, paper: false });

/** The header as a table: setting, this sweep, the paper; departures in bold. */
export function experimentGrid(settings: readonly ExperimentSetting[]): Grid {
  return {
    header: [plain('Setting'), plain('This sweep'), { ...plain('The paper (Sec. 4.1)'), paper: true }],
    rows: settings.map((setting) => [plain(setting.name), { ...plain(setting.ours), bold: setting.differs }, { ...plain(setting.paper), paper: true }]),
  };
}
