/**
 * End to end: build a report from a synthetic results sweep, open report.html in headless Chromium and
 * check that the tables, the paper's numbers, the bold best values, the plots and the overlays render.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { writeReport } from './index';
import { syntheticSweep } from './__fixtures__/synthetic-records';

/** `pnpm test` makes sure it exists (tools/system-deps/ensure-chromium.mjs); TFSEG_CHROMIUM names another executable. */
const CHROMIUM = process.env.TFSEG_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('report.html in headless Chromium', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tfseg-report-'));
  let browser: BrowserContext | undefined;
  afterAll(async () => {
    await browser?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('shows the tables with the paper’s numbers and bold best values, the plots and the overlays, from no external resource', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is needed for this test but ${CHROMIUM} does not exist. Run pnpm test (it installs Debian's chromium as root) or: apt-get update && apt-get install -y chromium`);
    }
    const { files } = await writeReport({ records: syntheticSweep(folder), outDir: join(folder, 'report'), resultsDir: folder, source: 'synthetic.jsonl' });
    const html = join(folder, 'report', 'report.html');
    expect(files).toContain(html);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script|<link|(src|href)="(https?:)?\/\//);

    // A fresh profile per run, so no state of an earlier browser leaks in.
    browser = await chromium.launchPersistentContext(join(folder, 'chromium-profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${html}`, { waitUntil: 'load' });

    const tables = page.locator('table.results');
    expect(await tables.count()).toBe(2);
    const fullData = tables.first();
    const firstColumn = await fullData.locator('tbody tr td:first-child').allTextContents();
    expect(firstColumn).toEqual(['CE', 'Dice', 'λ·Dice + (1−λ)·CE (λ=0.3)', 'λ·Dice + (1−λ)·CE (λ=0.5)', 'λ·Dice + (1−λ)·CE (λ=0.7)', 'ML', 'CAML']);
    // Column 3 is mIoU: ours, and under it the paper's Table 3 value.
    const ceMiou = fullData.locator('tbody tr').nth(0).locator('td').nth(2);
    expect(await ceMiou.locator('span.paper').textContent()).toBe('68.20 ± 0.69');
    // Synthetic levels make CAML ours-best; the paper's best mIoU is ML's 69.40.
    const camlMiou = fullData.locator('tbody tr').nth(6).locator('td').nth(2);
    expect(await camlMiou.locator('> strong').count()).toBe(1);
    expect(await ceMiou.locator('> strong').count()).toBe(0);
    expect(await fullData.locator('tbody tr').nth(5).locator('td').nth(2).locator('span.paper strong').textContent()).toBe('69.40 ± 0.20');
    expect(await page.locator('table.paired').first().textContent()).toContain('ML − λ·Dice + (1−λ)·CE (λ=0.5)');
    // Provenance: one row per setting, naming its backend; the synthetic runs agree, so nothing is flagged.
    const provenance = page.locator('#provenance table.provenance tbody tr');
    expect(await provenance.count()).toBe(2);
    expect(await provenance.first().locator('td').nth(3).textContent()).toBe('cpu');
    expect(await provenance.first().locator('td').nth(5).textContent()).toBe('no');

    // Plots: λ and training curves per setting, mIoU against fraction, Fig. 1 and Fig. 2/5.
    const plots = page.locator('figure.svg > svg');
    expect(await plots.count()).toBe(7);
    for (let index = 0; index < 7; index++) {
      const box = await plots.nth(index).boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(await plots.nth(index).locator('path').count()).toBeGreaterThan(3);
    }
    expect(await page.locator('#figure-1 svg').textContent()).toContain('|dL/dp|');
    // Overlays: PNG data URIs that the browser decodes.
    const images = page.locator('figure.png img');
    expect(await images.count()).toBe(2);
    const decoded = await images.evaluateAll((elements) => elements.map((element) => [(element as HTMLImageElement).src.slice(0, 22), (element as HTMLImageElement).naturalWidth]));
    expect(decoded).toEqual([['data:image/png;base64,', 4 * 128 + 4 * 4 + 128], ['data:image/png;base64,', 4 * 128 + 4 * 4 + 128]]);
    expect(await page.locator('figure.png .columns').first().locator('span').allTextContents()).toEqual(['image', 'truth', 'λ·Dice + (1−λ)·CE (λ=0.5)', 'ML', 'CAML']);

    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
  });
});
