import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DROSOPHILA_LABEL_VALUES, findDataFolder } from '@tfseg/datasets';

/** The Drosophila classes with every merged label value each one owns (membrane: five values). */
export const DROSOPHILA_FOLDER_YAML = `name: drosophila-as-folder
classes:
${['membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'intracellular']
  .map((name, index) => `  - { name: "${name}", values: [${Object.entries(DROSOPHILA_LABEL_VALUES).filter(([, owner]) => owner === index).map(([value]) => value).join(', ')}] }`)
  .join('\n')}
`;

/**
 * The vendored Drosophila ssTEM images 0..count-1 written into the folder layout, as a user would:
 * `images/NN.tif`, `masks/NN.png` (the published merged labels) and a dataset.yaml whose classes own
 * several mask values. Returns the ids.
 */
export function writeDrosophilaFolder(root: string, count: number): string[] {
  const stack = join(findDataFolder('drosophila-sstem'), 'stack1');
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'masks'), { recursive: true });
  writeFileSync(join(root, 'dataset.yaml'), DROSOPHILA_FOLDER_YAML);
  return Array.from({ length: count }, (_, index) => {
    const id = String(index).padStart(2, '0');
    copyFileSync(join(stack, 'raw', `${id}.tif`), join(root, 'images', `${id}.tif`));
    copyFileSync(join(stack, 'labels', `labels${String(index).padStart(8, '0')}.png`), join(root, 'masks', `${id}.png`));
    return id;
  });
}
