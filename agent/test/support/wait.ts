/** Waiting on the agent's own signals (never on wall-clock sleeps). */
import type { DeviceEvent, ReportedState } from '@edgefleet/protocol';
import type { Agent } from '../../src/agent';

export function nextReport(agent: Agent, predicate: (state: ReportedState) => boolean, what: string, timeoutMs = 15_000): Promise<ReportedState> {
  return next(agent.onReport.bind(agent), predicate, what, timeoutMs);
}

export function nextEvent(agent: Agent, predicate: (event: DeviceEvent) => boolean, what: string, timeoutMs = 15_000): Promise<DeviceEvent> {
  return next(agent.onEvent.bind(agent), predicate, what, timeoutMs);
}

/** Subscribe first, act second: the promise sees everything from the moment it is created. */
function next<T>(subscribe: (listener: (value: T) => void) => () => void, predicate: (value: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}
