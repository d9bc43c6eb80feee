import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The documentation walkthrough (one file, about five minutes, run in order) starts first. On a
 * clean clone vitest has no timings and runs larger files first, which put this small file last:
 * for its whole run one of the two workers had nothing else to do, five minutes of CI wall time.
 */
const LONGEST_FIRST = ['test/docs/doc-examples.test.ts'];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const index = LONGEST_FIRST.indexOf(relative(file.project.config.root, file.moduleId).split('\\').join('/'));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array#sort is stable: the rest keep vitest's own order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
