import { HubError } from '../../../src/core/errors';

/** The HubError `run` throws; fails the test when it throws nothing (or something else). */
export function refusal(run: () => unknown): HubError {
  try {
    run();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('accepted');
}
