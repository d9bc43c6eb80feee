/** Generous waits: 30+ agents and a training worker share two cores. */
export const SLOW_MS = 20_000;
