import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that are short but run long: they compile executables (package: five, ~40 CPU-seconds in one test; bench-smoke:
 * three). Vitest starts the longest files first when its cache of the last run says which they are, and otherwise (a
 * fresh clone, as CI is) the largest: the package test then started late and ran alone at the end, the last 60 s of a
 * CI run's 360. These start first whatever the cache holds; the rest keep vitest's order.
 */
const FIRST = ['package.test.ts', 'bench-smoke.test.ts'];

const rank = (file: TestSpecification): number => {
  const index = FIRST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
  return index < 0 ? FIRST.length : index;
};

export default class LongRunsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
