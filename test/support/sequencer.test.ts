import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LONGEST_FIRST } from './sequencer';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('the test sequencer', () => {
  it('names only test files that exist (a renamed file would quietly lose its early start)', () => {
    expect(LONGEST_FIRST.filter((file) => !existsSync(join(repoRoot, file)))).toEqual([]);
  });
});
