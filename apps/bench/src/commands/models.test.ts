import { Command } from 'commander';
import { formatModelsTable, registerModelsCommand, runModelsCommand } from './models';

describe('models', () => {
  it('lists all three models in three presets, the paper U-Net with 31,030,658 parameters', () => {
    const rows = runModelsCommand({});
    expect(rows.map((row) => `${row.name}/${row.preset}`)).toEqual([
      'unet/paper', 'unet/small', 'unet/tiny',
      'transunet/paper', 'transunet/small', 'transunet/tiny',
      'convformer-unet/paper', 'convformer-unet/small', 'convformer-unet/tiny',
    ]);
    expect(rows[0]).toMatchObject({ name: 'unet', preset: 'paper', params: 31_030_658, trainableParams: 31_030_658 });
    for (const row of rows) expect(row.gflops).toBeGreaterThan(0);
  });

  it('sizes the models for the given channels, classes and input size', () => {
    const base = runModelsCommand({ size: '64' });
    const wider = runModelsCommand({ inChannels: '3', classes: '5', size: '128' });
    // The U-Net's first conv gains 2 input channels (9·2·64 weights), its 1×1 head 3 classes (3·64 + 3).
    expect((wider[0]?.params ?? 0) - (base[0]?.params ?? 0)).toBe(9 * 2 * 64 + 3 * 64 + 3);
    expect(wider[0]?.gflops ?? 0).toBeGreaterThan(4 * (base[0]?.gflops ?? 0) * 0.99);
  });

  it('prints a table, and JSON with --json, through the registered command', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (writes.push(String(chunk)), true));
    const program = new Command().exitOverride();
    registerModelsCommand(program);
    await program.parseAsync(['node', 'tfseg-bench', 'models', '--json', '--size', '64']);
    await program.parseAsync(['node', 'tfseg-bench', 'models', '--size', '64']);
    spy.mockRestore();
    const json = JSON.parse(writes[0] as string) as Array<{ name: string; params: number }>;
    expect(json).toHaveLength(9);
    expect(writes[1]).toMatch(/^model\s+preset\s+parameters\s+GFLOPs\/image\n/);
    expect(writes[1]).toMatch(/\nunet\s+paper\s+31,030,658\s+\d+\.\d\d\n/);
    expect(formatModelsTable(runModelsCommand({ size: '64' })).split('\n')).toHaveLength(10);
  });

  it('names a bad flag and its rule, and passes the model package error for a bad size', () => {
    expect(() => runModelsCommand({ classes: '1' })).toThrow(/^models\.classes: /);
    expect(() => runModelsCommand({ size: 'big' })).toThrow(/^models\.size: /);
    expect(() => runModelsCommand({ size: '48' })).toThrow(/Error in listModels: options.inputSize 48 must be a multiple of 32 for convformer-unet/);
  });
});
