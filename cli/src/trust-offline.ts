/**
 * The offline half of `edgefleet trust`: building a trust document's draft (version 1 from key
 * files, or version N+1 from version N with keys added or removed), and saying how far its
 * signatures go. Payload bytes are fixed when the draft is built; holders then sign those.
 */
import {
  buildTrustDoc,
  draftAsEnvelope,
  draftTrustDoc,
  fromBase64,
  parseWith,
  readTrustPayload,
  tallyTrustSignatures,
  trustDocSchema,
  verifyInitialTrust,
  verifyTrustUpdate,
  type PublicKeyRef,
  type RoleTally,
  type TrustDoc,
  type TrustDraft,
} from '@edgefleet/protocol';
import { usageError } from './errors';
import { readKeyFile } from './key-files';

export interface BuildInput {
  /** version N, whose keys and thresholds are the defaults (a rotation or a renewal) */
  from: TrustDoc | null;
  version?: number;
  expires: Date;
  root: string[];
  release: string[];
  addRoot: string[];
  addRelease: string[];
  /** keyids (or their first 8+ characters) or key files */
  removeRoot: string[];
  removeRelease: string[];
  rootThreshold?: number;
  releaseThreshold?: number;
}

const keysOfRole = (doc: TrustDoc, role: 'root' | 'release'): PublicKeyRef[] =>
  doc.roles[role].keyids.map((keyid) => ({ keyid, publicRaw: fromBase64(doc.keys[keyid]?.public ?? '') ?? new Uint8Array() }));

async function keyRefs(files: readonly string[], option: string): Promise<PublicKeyRef[]> {
  const refs: PublicKeyRef[] = [];
  for (const file of files) {
    const key = await readKeyFile(file, option);
    refs.push({ keyid: key.keyid, publicRaw: key.publicRaw });
  }
  return refs;
}

async function removeKeys(keys: PublicKeyRef[], removals: readonly string[], option: string): Promise<PublicKeyRef[]> {
  let left = keys;
  for (const removal of removals) {
    const keyid = /^[0-9a-f]{8,64}$/.test(removal) ? removal : (await readKeyFile(removal, option)).keyid;
    const matches = left.filter((key) => key.keyid.startsWith(keyid));
    if (matches.length !== 1) throw usageError(`${option} ${removal}: ${matches.length === 0 ? 'no key of the role has that keyid' : 'more than one key starts with that'}`);
    left = left.filter((key) => key !== matches[0]);
  }
  return left;
}

/** The draft of the document `input` describes, checked against the trust document schema. */
export async function buildDraft(input: BuildInput): Promise<{ doc: TrustDoc; draft: TrustDraft }> {
  const { from } = input;
  if (from && (input.root.length > 0 || input.release.length > 0)) throw usageError('--from takes the keys of that version: change them with --add-root, --remove-root, --add-release, --remove-release');
  if (!from && (input.addRoot.length + input.addRelease.length + input.removeRoot.length + input.removeRelease.length > 0)) throw usageError('--add-* and --remove-* change the keys of the version given with --from');
  if (!from && (input.root.length === 0 || input.release.length === 0)) throw usageError('a first version needs --root and --release key files (or --from <the current version> for the next one)');
  let rootKeys = from ? keysOfRole(from, 'root') : await keyRefs(input.root, '--root');
  let releaseKeys = from ? keysOfRole(from, 'release') : await keyRefs(input.release, '--release');
  rootKeys = [...(await removeKeys(rootKeys, input.removeRoot, '--remove-root')), ...(await keyRefs(input.addRoot, '--add-root'))];
  releaseKeys = [...(await removeKeys(releaseKeys, input.removeRelease, '--remove-release')), ...(await keyRefs(input.addRelease, '--add-release'))];
  const version = input.version ?? (from ? from.version + 1 : 1);
  if (from && version !== from.version + 1) throw usageError(`--version ${version}: the version after ${from.version} is ${from.version + 1}`);
  const rootThreshold = input.rootThreshold ?? Math.min(from?.roles.root.threshold ?? 1, new Set(rootKeys.map((k) => k.keyid)).size);
  const releaseThreshold = input.releaseThreshold ?? Math.min(from?.roles.release.threshold ?? 1, new Set(releaseKeys.map((k) => k.keyid)).size);
  const built = buildTrustDoc({ version, expires: input.expires, rootKeys, releaseKeys, rootThreshold, releaseThreshold });
  let doc: TrustDoc;
  try {
    doc = parseWith(trustDocSchema, built, 'trust document');
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  return { doc, draft: draftTrustDoc(doc) };
}

/** A trust file's document, read without any signature checked (to show and to build from). */
export function payloadOf(draft: TrustDraft, file: string): TrustDoc {
  try {
    return readTrustPayload(draft);
  } catch (error) {
    throw usageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface FileVerdict {
  file: string;
  version: number;
  expires: string;
  root: { keyids: string[]; threshold: number };
  release: { keyids: string[]; threshold: number };
  tallies: RoleTally[];
  valid: boolean;
  /** why it is not valid: the verifier's code and message */
  error: { code: string; message: string } | null;
}

/**
 * Each file checked as the protocol checks it: the first on its own (self-signed by its root
 * threshold), each next as the rotation of the one before; expiry on the last only.
 */
export async function verifyFiles(files: ReadonlyArray<{ file: string; draft: TrustDraft }>, now: Date): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = [];
  let previous: TrustDoc | null = null;
  for (const [index, { file, draft }] of files.entries()) {
    const doc = payloadOf(draft, file);
    const tallies = await tallyTrustSignatures(draft, previous);
    const last = index === files.length - 1;
    let error: FileVerdict['error'] = null;
    const envelope = draftAsEnvelope(draft);
    if (!envelope) error = { code: 'E_SIG_UNTRUSTED', message: 'no signatures yet' };
    else {
      try {
        if (previous) await verifyTrustUpdate(previous, envelope, now, { checkExpiry: last });
        else await verifyInitialTrust(envelope, last ? now : new Date(0));
      } catch (thrown) {
        error = { code: typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : 'E_SCHEMA', message: thrown instanceof Error ? thrown.message : String(thrown) };
      }
    }
    verdicts.push({ file, version: doc.version, expires: doc.expires, root: doc.roles.root, release: doc.roles.release, tallies, valid: error === null, error });
    previous = doc;
  }
  return verdicts;
}

const short = (keyid: string): string => keyid.slice(0, 16);

/** Lines for people: what a document says and how far its root signatures go. */
export function describeTrust(doc: Pick<FileVerdict, 'file' | 'version' | 'expires' | 'root' | 'release'>, tallies: readonly RoleTally[]): string[] {
  const lines = [
    `${doc.file}: trust version ${doc.version}, expires ${doc.expires}`,
    `  root:    ${doc.root.threshold} of ${doc.root.keyids.map(short).join(', ')}`,
    `  release: ${doc.release.threshold} of ${doc.release.keyids.map(short).join(', ')}`,
  ];
  for (const tally of tallies) {
    const missing = tally.keyids.filter((k) => !tally.signed.includes(k));
    const need = Math.max(0, tally.threshold - tally.signed.length);
    const who = tally.which === 'previous' ? `root keys of version ${tally.version} (the version before)` : `root keys of version ${tally.version}`;
    lines.push(`  signed by ${tally.signed.length} of ${tally.threshold} needed ${who}${need > 0 ? `: needs ${need} more of ${missing.map(short).join(', ')}` : ''}${tally.invalid.length > 0 ? `; signatures that do not verify: ${tally.invalid.map(short).join(', ')}` : ''}`);
  }
  return lines;
}
