/**
 * What a page load waited for, from the page's recorded timings: a cold first visit split into its
 * phases (page, enrolment, MQTT, doc, download and checks, session, probe, first answer) and a warm
 * reload into its own, with the WebCrypto time inside them.
 */
import { INSTALL_PHASES, type PageTimings, type ResourceFigure } from './page-probe';
const pathIs = (prefix: string) => (r: ResourceFigure) => r.path.startsWith(prefix);

/** Summed duration of the page's WebCrypto `op` calls that started in [from, to). */
export function cryptoMs(t: PageTimings, op: 'digest' | 'verify', from: number, to: number): number {
  return t.crypto.filter((c) => c.op === op && c.start >= from && c.start < to).reduce((sum, c) => sum + (c.end - c.start), 0);
}

const webScriptOf = (t: PageTimings) => t.resources.find((r) => r.path.startsWith('/assets/web-') && r.path.endsWith('.js'));

/** Splits a cold first visit into what the page waited for, in order (ms, each from the previous mark; "of which" rows lie inside the row above). */
export function coldSegments(t: PageTimings, artifactSha: string): Record<string, number> {
  const phaseAt = (phase: string) => t.phases.find((p) => p.phase === phase)?.at ?? Number.NaN;
  const script = webScriptOf(t);
  const enrol = t.resources.find(pathIs('/device/v1/enrol'));
  const release = t.resources.find(pathIs('/device/v1/releases/'));
  const artifact = t.resources.find((r) => r.path === `/artifacts/${artifactSha}`);
  const wasmFile = t.resources.find((r) => r.path.endsWith('.wasm'));
  const compile = t.wasm[0];
  const enrolStart = enrol?.start ?? Number.NaN;
  const scriptEnd = script?.end ?? Number.NaN;
  const loaded = t.marks.loaded ?? Number.NaN;
  const connected = t.marks.connected ?? Number.NaN;
  const releaseStart = release?.start ?? Number.NaN;
  const releaseEnd = release?.end ?? Number.NaN;
  const [downloading, verifying, loading, probing, serving] = INSTALL_PHASES.map(phaseAt) as [number, number, number, number, number];
  return {
    'HTML (from the navigation start)': t.htmlEnd,
    'script + stylesheet fetched': scriptEnd - t.htmlEnd,
    'script parsed and run until load() enrols': enrolStart - scriptEnd,
    'enrol + trust pinned (load() resolves)': loaded - enrolStart,
    'MQTT session up': connected - loaded,
    'desired doc arrives (hub assigns the new device)': releaseStart - connected,
    'release manifest fetched': releaseEnd - releaseStart,
    'doc + manifest checked, state saved, install planned': downloading - releaseEnd,
    '  of which Ed25519 verify (WebCrypto)': cryptoMs(t, 'verify', loaded, downloading),
    'model download + SHA-256 + Cache Storage write': verifying - downloading,
    '  of which the HTTP transfer': artifact ? artifact.end - artifact.start : Number.NaN,
    '  of which SHA-256 (WebCrypto)': cryptoMs(t, 'digest', downloading, verifying),
    'cache read + SHA-256 again': loading - verifying,
    'session create (first use: wasm fetch + compile)': probing - loading,
    '  of which the wasm fetched and compiled (streaming)': compile ? compile.end - compile.start : Number.NaN,
    '    the wasm transfer alone (overlaps)': wasmFile ? wasmFile.end - wasmFile.start : Number.NaN,
    '  the rest: wasm loader, ORT init, session from the bytes': probing - loading - (compile ? compile.end - compile.start : Number.NaN),
    probe: serving - probing,
    'first predict() (batch 1)': (t.answer?.at ?? Number.NaN) - serving,
  };
}

/** A reload with everything cached: the page, then load() (credential, cached model verified, session, probe), then the answer. */
export function warmSegments(t: PageTimings): Record<string, number> {
  const loaded = t.marks.loaded ?? Number.NaN;
  const compile = t.wasm[0];
  const scriptEnd = webScriptOf(t)?.end ?? Number.NaN;
  return {
    'HTML (from the navigation start)': t.htmlEnd,
    'script + stylesheet (HTTP cache)': scriptEnd - t.htmlEnd,
    'script run, then load(): credential, cached model, session, probe': loaded - scriptEnd,
    '  of which SHA-256 of the cached model (WebCrypto)': cryptoMs(t, 'digest', scriptEnd, loaded),
    '  of which the wasm compiled (streaming from the HTTP cache)': compile ? compile.end - compile.start : Number.NaN,
    'first predict() (batch 1)': (t.answer?.at ?? Number.NaN) - loaded,
  };
}

export function checkRun(kind: string, t: PageTimings, source: 'network' | 'cache'): void {
  if (t.error || !t.answer) throw new Error(`${kind}: the page never answered: ${t.error ?? 'no answer'}`);
  if (t.verification?.source !== source || !t.verification.probed) throw new Error(`${kind}: the model served from ${JSON.stringify(t.verification)}, expected ${source} and probed`);
}
