/**
 * The model head a loss asks for on a dataset of label maps: softmax over the dataset's classes, or —
 * with `activation: 'sigmoid'` — one sigmoid channel for a binary dataset (background + one foreground
 * class; channel 0 is the foreground). The one place the bench decides it, for `train`, the sweep's runs
 * and `predict`/`evaluate` (through tfseg.json's model options).
 */
import type { LossSpec } from '@tfseg/losses';
import { CommandOptionsError } from '../errors';

/** What the model outputs and how training counts its channels. */
export interface OutputHead {
  /** @tfseg/models' `output`. */
  output: 'softmax' | 'sigmoid';
  /** Output channels: the classes (softmax) or 1 (sigmoid: the foreground of a binary dataset). */
  channels: number;
  /** One display name per channel. */
  channelNames: string[];
}

/**
 * The head for `loss` on a dataset with `classNames`. A label map holds one class per pixel, so a sigmoid
 * loss needs a binary dataset (its masks are then the 0/1 foreground); a multi-class one is refused, as
 * are class weights that are not one per output channel and `includeBackground: false` with one channel.
 * Errors name `<where>.loss.<field>` and (unless `flags` is false, for sweep configs) the train flag that sets it.
 */
export function outputHead(loss: LossSpec, classNames: readonly string[], dataset: string, where: string, options: { flags?: boolean } = {}): OutputHead {
  const flag = (name: string): string => (options.flags === false ? '' : ` (--${name})`);
  const sigmoid = loss.activation === 'sigmoid';
  if (sigmoid && classNames.length !== 2) {
    throw new CommandOptionsError(
      `${where}.loss.activation${flag('activation')}: 'sigmoid' trains one sigmoid channel and needs a binary dataset (a background and one foreground class), but ${dataset} has ${classNames.length} classes (${classNames.join(', ')}); its masks hold one class per pixel, not independent masks: use activation softmax`,
    );
  }
  const head: OutputHead = sigmoid ? { output: 'sigmoid', channels: 1, channelNames: [classNames[1] as string] } : { output: 'softmax', channels: classNames.length, channelNames: [...classNames] };
  if (loss.classWeights !== undefined && loss.classWeights.length !== head.channels) {
    const channels = sigmoid ? `1 (the sigmoid channel: ${head.channelNames[0]})` : `${head.channels} (the classes ${head.channelNames.join(', ')})`;
    throw new CommandOptionsError(`${where}.loss.classWeights${flag('class-weights')}: must list one weight per output channel, ${channels}, but got ${loss.classWeights.length}`);
  }
  // The bench's label maps hold class indices (a folder dataset maps every mask value to its class), so
  // the ignored label is a class: e.g. an "unknown" class listed in dataset.yaml with the values 255.
  if (loss.ignoreIndex !== undefined && (sigmoid || loss.ignoreIndex < 0 || loss.ignoreIndex >= classNames.length)) {
    throw new CommandOptionsError(
      sigmoid
        ? `${where}.loss.ignoreIndex${flag('ignore-index')}: a binary dataset has only its background and foreground classes to ignore; leave the option out with activation sigmoid`
        : `${where}.loss.ignoreIndex${flag('ignore-index')}: must be a class index of ${dataset}, 0..${classNames.length - 1} (${classNames.map((name, index) => `${index} ${name}`).join(', ')}): label maps hold class indices, so list the pixels to ignore as a class (dataset.yaml) and give its index, but got ${loss.ignoreIndex}`,
    );
  }
  if (sigmoid && loss.name !== 'ce' && loss.includeBackground === false) {
    throw new CommandOptionsError(`${where}.loss.includeBackground${flag('include-background')}: a one-channel sigmoid head has no background channel to leave out; leave the option out`);
  }
  return head;
}
