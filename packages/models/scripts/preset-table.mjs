// Prints the README's preset table (parameters and forward GFLOPs per image) from the built package:
//   pnpm --filter @tfseg/models build && node packages/models/scripts/preset-table.mjs [size] [inChannels] [classes]
import { listModels } from '../dist/index.js';

const [size = '256', inChannels = '1', classes = '2'] = process.argv.slice(2);
const rows = listModels({ inputSize: Number(size), inChannels: Number(inChannels), numClasses: Number(classes) });
console.log(`| model | preset | parameters | trainable | GFLOPs / image (${size}×${size}×${inChannels}, ${classes} classes) |`);
console.log('|---|---|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.preset} | ${row.parameters.toLocaleString('en-US')} | ${row.trainableParameters.toLocaleString('en-US')} | ${(row.flops / 1e9).toFixed(2)} |`);
}
