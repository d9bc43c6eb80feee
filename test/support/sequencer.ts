import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files start first, longest first (their times in the CI run of 2026-12-04, on 2
 * cores), so the run ends on short files instead of one worker finishing a long one alone. On a
 * clean clone vitest has no timings and runs larger files first, which put the small documentation
 * walkthrough (330 s, run in order) last: one worker idle for its whole run. Files not listed keep
 * vitest's order after these.
 */
export const LONGEST_FIRST = [
  'test/docs/doc-examples.test.ts', // 330 s
  'test/e2e/int8-accuracy-fallback.test.ts', // 190 s
  'test/e2e/replicas.test.ts', // 56 s
  'hub/test/derived-versions.test.ts', // 40 s
  'test/e2e/hub-crash.test.ts', // 47 s
  'agent/test/threats/row-17-crash-mid-update.test.ts', // 39 s
  'test/e2e/hub-crash-stats.test.ts', // 37 s
  'fleet-sim/test/demo.test.ts', // 33 s
  'test/web/edge-inference.test.ts', // 33 s
  'fleet-sim/test/lean-scenario.test.ts', // 30 s
  'test/e2e/rollouts-controls.test.ts', // 28 s
  'cli/test/keys.test.ts', // 27 s
  'cli/test/cli-models.test.ts', // 26 s
  'test/e2e/training.test.ts', // 24 s
  'test/console/rollouts.test.ts', // 23 s
];

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
