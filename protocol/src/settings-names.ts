/**
 * EDGEFLEET_* variables that look like a misspelling of a name a program reads. Such a name would
 * otherwise change nothing, silently (the hub would start on its default port with
 * EDGEFLEET_HTTP_PROT set), so programs warn about each one. Names far from every name the program
 * reads pass: they belong to another edgefleet program (the agent's, the CLI's, the tests').
 */
export interface MisspeltSetting {
  name: string;
  /** the name the program reads that is closest to it (at most 3 edits away) */
  closest: string;
}

const MAX_EDITS = 3;

/** `reads`: every name the program reads. */
export function misspeltSettings(env: Readonly<Record<string, string | undefined>>, reads: readonly string[]): MisspeltSetting[] {
  const known = new Set(reads);
  const misspelt: MisspeltSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('EDGEFLEET_') || known.has(name)) continue;
    const closest = closestName(name, reads);
    if (closest !== null) misspelt.push({ name, closest });
  }
  return misspelt;
}

/** One line for a log: "EDGEFLEET_HTTP_PROT (did you mean EDGEFLEET_HTTP_PORT?)". */
export const describeMisspeltSettings = (misspelt: readonly MisspeltSetting[]): string =>
  misspelt.map(({ name, closest }) => `${name} (did you mean ${closest}?)`).join(', ');

function closestName(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = MAX_EDITS + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance; names are short, so the plain two-row table is enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
