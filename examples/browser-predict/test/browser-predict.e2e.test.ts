/**
 * End to end: train a model on Drosophila images with the built tfseg-bench CLI, serve this page with it
 * on localhost, drop a Drosophila image on the page in headless Chromium, and check that the page's
 * segmentation (plain @tensorflow/tfjs in the browser) agrees with `tfseg-bench predict` on the same image.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findDataFolder, readPng, readTiff, writePng } from '@tfseg/datasets';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CLI = join(dirname(require.resolve('@tfseg/bench/package.json')), 'dist', 'cli.js');
const SERVE = join(__dirname, '..', 'serve.mjs');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts serve.mjs on a free port and resolves with its URL. */
function serve(model: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [SERVE, '--model', model, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving (http:\/\/localhost:\d+\/)/.exec(output);
      if (match) resolve({ url: match[1] as string, server });
    });
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
  });
}

describe('examples/browser-predict in headless Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'tfseg-browser-predict-'));
  let browser: BrowserContext | undefined;
  let server: ChildProcess | undefined;
  afterAll(async () => {
    await browser?.close();
    server?.kill();
    rmSync(work, { recursive: true, force: true });
  });

  it('segments a dropped Drosophila image like tfseg-bench predict, and draws the overlay with a legend', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed for this test but ${CHROMIUM} does not exist. Install it with: apt-get update && apt-get install -y chromium`);
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; build first (pnpm build)`);
    // The user's data: four Drosophila images as PNGs with their published labels, two classes of interest.
    const stack = join(findDataFolder('drosophila-sstem'), 'stack1');
    const root = join(work, 'data');
    mkdirSync(join(root, 'images'), { recursive: true });
    mkdirSync(join(root, 'masks'), { recursive: true });
    writeFileSync(join(root, 'dataset.yaml'), 'classes:\n  - { name: background, values: [0, 32, 64, 96, 128, 159, 223, 255] }\n  - { name: mitochondria, values: [191] }\n');
    const crop = (id: string): void => {
      // The top-left 256² of each image keeps the test quick.
      const image = readTiff(readFileSync(join(stack, 'raw', `${id}.tif`)));
      const labels = readPng(readFileSync(join(stack, 'labels', `labels000000${id}.png`)));
      const cut = (data: ArrayLike<number>, width: number): Uint8Array => Uint8Array.from({ length: 256 * 256 }, (_, i) => data[Math.floor(i / 256) * width + (i % 256)] as number);
      writeFileSync(join(root, 'images', `${id}.png`), writePng({ height: 256, width: 256, channels: 1, data: cut(image.data, image.width) }));
      writeFileSync(join(root, 'masks', `${id}.png`), writePng({ height: 256, width: 256, channels: 1, data: cut(labels.data, labels.width) }));
    };
    for (const id of ['00', '01', '02', '03']) crop(id);
    const model = join(work, 'model');
    const trained = cli(['train', '--dataset', 'folder', '--root', root, '--model', 'unet', '--preset', 'tiny', '--loss', 'caml', '--size', '32', '--epochs', '2', '--steps-per-epoch', '4', '--out', model]);
    expect(trained.stderr).toMatch(/epoch 2\/2/);
    expect(trained.status).toBe(0);
    const image = join(root, 'images', '00.png');
    expect(cli(['predict', '--model', model, '--out', join(work, 'predicted'), '--probabilities', image]).status).toBe(0);
    const expected = readPng(readFileSync(join(work, 'predicted', '00.png'))).data;
    const expectedMitochondria = readPng(readFileSync(join(work, 'predicted', '00.probability-1.png'))).data;

    const served = await serve(model);
    server = served.server;
    browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(served.url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ready'), undefined, { timeout: 60_000 });
    expect(await page.locator('#model').textContent()).toMatch(/unet\/tiny, caml loss, classes background, mitochondria; sliding-window at 32²/);

    // Drop the PNG on the drop zone, as a user drags it from their desktop.
    const bytes = [...readFileSync(image)];
    await page.evaluate((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(content)], '00.png', { type: 'image/png' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 120_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^Done: 00.png, 256x256/);
    const result = (await page.evaluate(() => (window as unknown as { tfsegPage: { last: { width: number; height: number; labels: number[]; probabilities: number[] } } }).tfsegPage.last))!;
    expect([result.width, result.height]).toEqual([256, 256]);
    // The same probabilities as the CLI's (which stores them as 0..255), pixel by pixel.
    const mitochondria = result.probabilities.filter((_, i) => i % 2 === 1);
    const largestDifference = Math.max(...mitochondria.map((p, i) => Math.abs(p * 255 - (expectedMitochondria[i] as number))));
    expect(largestDifference).toBeLessThan(1.5);
    expect(Math.max(...mitochondria) - Math.min(...mitochondria)).toBeGreaterThan(0.01); // the model is not constant
    // The CLI writes each class's first mask value (0, 191); the page keeps class indices.
    const agreeing = result.labels.filter((label, i) => (label === 1 ? 191 : 0) === expected[i]).length;
    expect(agreeing / result.labels.length).toBeGreaterThan(0.995);
    expect(await page.locator('#legend li').allTextContents()).toEqual(['background', 'mitochondria']);
    const canvas = await page.locator('#overlay').evaluate((element) => [(element as HTMLCanvasElement).width, (element as HTMLCanvasElement).height]);
    expect(canvas).toEqual([256, 256]);
    // Everything came from the local server.
    expect(requests.filter((url) => !url.startsWith(served.url) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
  }, 600_000);
});
