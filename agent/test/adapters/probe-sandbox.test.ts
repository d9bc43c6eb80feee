/**
 * A sandbox child that cannot start at all: Node reports a spawn that fails after spawn()
 * returned (ENOENT, EACCES, EAGAIN) with 'error' and 'close' but no 'exit', and the install must
 * still end (a transient E_LOAD_FAILED) instead of waiting in "loading" forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeInSandbox } from '../../src/adapters/probe-sandbox';
import { AgentError } from '../../src/errors';

/** Long enough that only a settled promise, not the sandbox deadline, ends the test in time. */
const LIMITS = { memoryMb: 256, timeoutMs: 600_000 };

async function refusal(promise: Promise<unknown>): Promise<AgentError> {
  const error: unknown = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  if (!(error instanceof AgentError)) throw new Error(`expected an AgentError, got ${String(error)}`);
  return error;
}

describe('probeInSandbox when the child cannot start', { timeout: 10_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-sandbox-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects, transient, when the executable does not exist (ENOENT)', async () => {
    const error = await refusal(probeInSandbox(new Uint8Array(8), {}, LIMITS, undefined, { file: join(dir, 'missing'), args: [] }));
    expect(error.code).toBe('E_LOAD_FAILED');
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/could not start.*ENOENT/);
  });

  it('rejects, transient, when the executable may not be run (EACCES)', async () => {
    const file = join(dir, 'not-executable');
    await writeFile(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const error = await refusal(probeInSandbox(new Uint8Array(8), {}, LIMITS, undefined, { file, args: [] }));
    expect(error.code).toBe('E_LOAD_FAILED');
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/could not start.*EACCES/);
  });
});
