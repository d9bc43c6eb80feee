import type { RuntimeFailure } from '../../src/runtime/ports';

/** A runtime's error as the device core sees it: a code, a message, transient or not. */
export class Failure extends Error implements RuntimeFailure {
  constructor(
    readonly code: string,
    message: string,
    readonly transient = false,
  ) {
    super(message);
  }
}
