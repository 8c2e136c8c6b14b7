// Smoke snippet for @tfseg/cross-validation, run by tools/pack-test/run.mjs against both the ESM and CJS
// builds: folds, nested subsets, and a paired test whose p-value is known (scipy.stats.wilcoxon docs).
module.exports = async function smoke(crossValidation) {
  const groups = Array.from({ length: 40 }, (_, item) => Math.floor(item / 4));
  const folds = crossValidation.kFold({ groups, seed: 1, validationGroups: 1 });
  const tested = folds.flatMap((fold) => fold.test).sort((a, b) => a - b);
  if (folds.length !== 5 || tested.join() !== groups.map((_, item) => item).join()) throw new Error('@tfseg/cross-validation: folds do not test every item once');
  const half = crossValidation.subsample(folds[0].train, 1 / 2, 3);
  const quarter = crossValidation.subsample(folds[0].train, 1 / 4, 3);
  if (!quarter.every((item) => half.includes(item))) throw new Error('@tfseg/cross-validation: subsample not nested');
  // Darwin's Zea mays differences: Wilcoxon statistic 24, exact p = 0.041259765625 (jstat and pure-rand load).
  const differences = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
  const result = crossValidation.pairedComparison(differences, differences.map(() => 0));
  if (result.wilcoxon.statistic !== 24 || Math.abs(result.wilcoxon.pValue - 0.041259765625) > 1e-12) throw new Error('@tfseg/cross-validation: Wilcoxon reference not reproduced');
  if (!(Math.abs(result.tTest.pValue - 0.0497029) < 1e-6)) throw new Error(`@tfseg/cross-validation: t-test p ${result.tTest.pValue}`);
  const random = crossValidation.seedStream(1, 'smoke');
  if (!(random.next() >= 0 && random.int(3) < 3)) throw new Error('@tfseg/cross-validation: seedStream broken');
};
