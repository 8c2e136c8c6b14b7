import { getDataset, listDatasets, registerDataset, DatasetError, type DatasetDescriptor, type DatasetName } from '@tfseg/datasets';

describe('dataset registry', () => {
  it('lists the paper datasets in order, then the synthetic ones, then the folder dataset', () => {
    expect(listDatasets()).toEqual(['drosophila', 'covid19-ct', 'chase-db1', 'synthetic-drosophila', 'synthetic-covid19-ct', 'synthetic-chase-db1', 'folder']);
  });

  it('describes each dataset with the paper table order of its classes', () => {
    expect(getDataset('covid19-ct')).toMatchObject({ classNames: ['background', 'consolidations', 'ground glass', 'pleural effusions'], inputChannels: 1, nativeSize: { height: 512, width: 512 } });
    expect(getDataset('chase-db1')).toMatchObject({ classNames: ['background', 'retinal vessel'], inputChannels: 3, nativeSize: { height: 960, width: 999 } });
    expect(getDataset('synthetic-chase-db1').nativeSize).toEqual({ height: 96, width: 100 });
    expect(getDataset('drosophila').defaultRoot).toMatch(/data\/drosophila-sstem$/);
    expect(getDataset('covid19-ct').defaultRoot).toBeUndefined();
  });

  it('names an unknown dataset and lists the known ones', () => {
    expect(() => getDataset('synthetic-brain' as DatasetName)).toThrow('Error in getDataset: unknown dataset "synthetic-brain"; expected one of drosophila, covid19-ct, chase-db1, synthetic-drosophila, synthetic-covid19-ct, synthetic-chase-db1');
  });

  it('validates registered descriptors and refuses duplicates', () => {
    const descriptor = { ...getDataset('chase-db1') };
    expect(() => registerDataset(descriptor)).toThrow('Error in registerDataset: a dataset named "chase-db1" is already registered');
    expect(() => registerDataset({ ...descriptor, name: 'Bad Name' })).toThrow(/descriptor\.name: .*kebab-case/);
    expect(() => registerDataset({ ...descriptor, name: 'mine', load: 3 } as unknown as DatasetDescriptor)).toThrow(/descriptor\.load: a function/);
  });

  it('wraps option errors into a DatasetError naming the field', async () => {
    const error: unknown = await getDataset('drosophila').load({ root: 5 } as never).catch((caught: unknown) => caught);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Error in drosophila\.load: options\.root: Invalid input: expected string, received number/);
  });

  it('synthetic datasets work without a root (written once to a cache folder) and report stats', async () => {
    const stats = await getDataset('synthetic-drosophila').stats();
    expect(stats).toMatchObject({ name: 'synthetic-drosophila', images: 20, height: 128, width: 128 });
    expect(stats.pixelCounts.reduce((a, b) => a + b, 0)).toBe(20 * 128 * 128);
    expect(stats.pixelCounts.every((count) => count > 0)).toBe(true);
    const report = await getDataset('synthetic-drosophila').check();
    expect(report).toMatchObject({ problems: [], filesChecked: 40 });
  });
});
