/** Every workspace package carries what a registry page and `npm publish` of a scoped package need. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const packageDirectories = ['packages', 'apps'].flatMap((parent) => readdirSync(join(ROOT, parent)).map((name) => join(parent, name)));

interface Manifest {
  name: string;
  keywords?: string[];
  homepage?: string;
  repository?: { type: string; url: string; directory: string };
  bugs?: { url: string };
  publishConfig?: { access: string };
}

describe.each(packageDirectories)('%s/package.json', (directory) => {
  const manifest = JSON.parse(readFileSync(join(ROOT, directory, 'package.json'), 'utf8')) as Manifest;
  it('has repository (with its directory), homepage, bugs, keywords and public access', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/tfseg/tfseg.git', directory });
    expect(manifest.homepage).toBe(`https://github.com/tfseg/tfseg/tree/main/${directory}#readme`);
    expect(manifest.bugs).toEqual({ url: 'https://github.com/tfseg/tfseg/issues' });
    expect(manifest.keywords?.length).toBeGreaterThanOrEqual(3);
    expect(manifest.publishConfig).toEqual({ access: 'public' });
  });
});
