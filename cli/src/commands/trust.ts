/**
 * `edgefleet trust`: the chain of trust documents (docs/keys.md).
 * Offline, never talking to a hub: `build` a draft (version 1, or N+1 from N), `sign` it with one
 * key at a time (each root key holder on their own machine), `verify` a file or a chain of files.
 * Online: `show` and `list` what the hub has, `publish` the next version to it.
 */
import type { Command } from 'commander';
import { addTrustSignature, readTrustPayload, tallyTrustSignatures, trustDraftSchema, type TrustDoc } from '@edgefleet/protocol';
import { ok } from '../api';
import { expiresArg, intArg } from '../args';
import type { Ctx } from '../context';
import { failed, usageError } from '../errors';
import { readSigningKeyFile, readTrustFile, writeTrustFile } from '../key-files';
import { buildDraft, describeTrust, payloadOf, verifyFiles, type BuildInput } from '../trust-offline';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The command line's options: BuildInput's, with the file to write and `--from`/`--expires` as given. */
type BuildOptions = Omit<BuildInput, 'from' | 'expires'> & { out: string; from?: string; expires?: Date };

const summary = (doc: TrustDoc) => ({ version: doc.version, expires: doc.expires, root: doc.roles.root, release: doc.roles.release });

export function registerTrust(program: Command, ctx: Ctx): void {
  const trust = program.command('trust').description('trust documents: build, sign and verify offline; show, list and publish on the hub');
  trust
    .command('build')
    .description('write the unsigned draft of a trust document: version 1 from key files, or the next version --from the current one')
    .requiredOption('--out <file>', 'where to write the draft (an existing file is never replaced)')
    .option('--from <file>', 'the current version (edgefleet trust show --out): its keys and thresholds are kept unless changed')
    .option('--version <n>', 'the version (default 1, or the one after --from)', intArg(1, Number.MAX_SAFE_INTEGER - 1))
    .option('--expires <when>', 'a duration from now with its unit (365d) or an ISO date, at least 1 day ahead (default 365d)', expiresArg(ctx.now))
    .option('--root <key file>', 'a root key (private or public PEM; repeatable)', collect, [])
    .option('--release <key file>', 'a release key (repeatable)', collect, [])
    .option('--add-root <key file>', 'with --from: add a root key (repeatable)', collect, [])
    .option('--remove-root <keyid|key file>', 'with --from: remove a root key (repeatable)', collect, [])
    .option('--add-release <key file>', 'with --from: add a release key (repeatable)', collect, [])
    .option('--remove-release <keyid|key file>', 'with --from: revoke a release key (repeatable)', collect, [])
    .option('--root-threshold <n>', 'root signatures a document needs (default 1, or that of --from)', intArg(1, 16))
    .option('--release-threshold <n>', 'release signatures a doc needs (default 1, or that of --from)', intArg(1, 16))
    .action(async (o: BuildOptions) => {
      const from = o.from === undefined ? null : payloadOf(await readTrustFile(o.from, '--from'), o.from);
      const { doc, draft } = await buildDraft({ ...o, from, expires: o.expires ?? new Date(ctx.now().getTime() + 365 * 86_400_000) });
      await writeTrustFile(o.out, draft, { replace: false });
      const signers = from ? `the root keys of version ${from.version} (${from.roles.root.threshold} of them) and of version ${doc.version} (${doc.roles.root.threshold})` : `${doc.roles.root.threshold} of its root keys`;
      ctx.out.result({ file: o.out, ...summary(doc) }, () => [
        ...describeTrust({ file: o.out, ...summary(doc) }, []),
        `Next: ${signers} sign it, one holder at a time: edgefleet trust sign ${o.out} --key <private key file>`,
      ]);
    });
  trust
    .command('sign')
    .description('add one signature to a trust document file (in place), with one private key')
    .argument('<file>', 'the trust document (a draft or partly signed)')
    .requiredOption('--key <file>', 'the private key to sign with')
    .option('--previous <file>', 'the version before (for a rotation): its root keys must sign too, and the count shows them')
    .action(async (file: string, o: { key: string; previous?: string }) => {
      const draft = await readTrustFile(file, 'trust document');
      const doc = payloadOf(draft, file);
      const previous = o.previous === undefined ? null : payloadOf(await readTrustFile(o.previous, '--previous'), o.previous);
      const key = await readSigningKeyFile(o.key, '--key');
      const own = doc.roles.root.keyids.includes(key.keyid);
      if (previous && !own && !previous.roles.root.keyids.includes(key.keyid)) {
        throw usageError(`--key ${o.key} (keyid ${key.keyid}) is a root key of neither version ${doc.version} nor version ${previous.version}: its signature would not count`);
      }
      const signed = await addTrustSignature(draft, key);
      await writeTrustFile(file, signed, { replace: true });
      const tallies = await tallyTrustSignatures(signed, previous);
      const note = !own && !previous ? [`Note: ${key.keyid.slice(0, 16)} is not a root key of version ${doc.version}; it counts only as a root key of the version before (check with --previous).`] : [];
      ctx.out.result({ file, keyid: key.keyid, ...summary(doc), tallies }, () => [`Signed ${file} with ${key.keyid.slice(0, 16)}.`, ...describeTrust({ file, ...summary(doc) }, tallies), ...note]);
    });
  trust
    .command('verify')
    .description('check trust document files as devices do: the first on its own, each next as the rotation of the one before (exit 1 when one fails)')
    .argument('<files...>', 'trust documents, oldest first')
    .action(async (files: string[]) => {
      const read = [];
      for (const file of files) read.push({ file, draft: await readTrustFile(file, 'trust document') });
      const verdicts = await verifyFiles(read, ctx.now());
      ctx.out.result({ valid: verdicts.every((v) => v.valid), files: verdicts }, () =>
        verdicts.flatMap((v) => [...describeTrust(v, v.tallies), v.valid ? '  valid' : `  NOT VALID: ${v.error?.code ?? ''} ${v.error?.message ?? ''}`]),
      );
      const bad = verdicts.find((v) => !v.valid);
      if (bad) throw failed(`${bad.file} does not verify: ${bad.error?.code ?? ''} ${bad.error?.message ?? ''}`);
    });

  trust
    .command('show')
    .description("the hub's newest trust document (or one version): keys, thresholds, expiry, the release keys it signs with")
    .option('--version <n>', 'one version of the chain', intArg(1, Number.MAX_SAFE_INTEGER - 1))
    .option('--out <file>', 'also write its signed envelope there (for trust build --from)')
    .action(async (o: { version?: number; out?: string }) => {
      const hub = await ctx.hub();
      const save = async (envelope: unknown): Promise<string[]> => {
        if (o.out === undefined) return [];
        await writeTrustFile(o.out, trustDraftSchema.parse(envelope), { replace: false });
        return [`Envelope written to ${o.out}.`];
      };
      if (o.version !== undefined) {
        const reply = await ok(hub, hub.client.GET('/api/v1/trust/versions/{version}', { params: { path: { version: o.version } } }));
        const saved = await save(reply.envelope);
        ctx.out.result(reply, () => [...describeTrust({ file: hub.session.url, ...reply }, []), ...saved]);
        return;
      }
      const reply = await ok(hub, hub.client.GET('/api/v1/trust'));
      const saved = await save(reply.envelope);
      ctx.out.result(reply, () => [
        ...describeTrust({ file: hub.session.url, ...reply }, []),
        `  the hub signs with: ${reply.signingKeyids.map((k) => k.slice(0, 16)).join(', ')}; versions ${reply.firstVersion} to ${reply.version} kept`,
        ...(reply.warning ? [`  WARNING: ${reply.warning}`] : []),
        ...saved,
      ]);
    });
  trust
    .command('list')
    .description('every version of the trust document the hub keeps, oldest first')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/trust/versions'));
      ctx.out.result(reply, () => reply.versions.map((v) => `${String(v.version).padStart(4)}  expires ${v.expires}  root ${v.root.threshold}/${v.root.keyids.length}  release ${v.release.threshold}/${v.release.keyids.length} ${v.release.keyids.map((k) => k.slice(0, 16)).join(',')}`));
    });
  trust
    .command('publish')
    .description('publish the next trust document version to the hub (it checks both root thresholds, stores it, and signs again with the new release keys)')
    .argument('<file>', 'the signed trust document')
    .action(async (file: string) => {
      const draft = await readTrustFile(file, 'trust document');
      if (draft.signatures.length === 0) throw usageError(`${file} has no signatures yet: edgefleet trust sign ${file} --key <root key>`);
      const doc = readTrustPayload(draft);
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.POST('/api/v1/trust', { body: { payload: draft.payload, signatures: draft.signatures } }));
      ctx.out.result(reply, () => [
        reply.created ? `Published trust version ${doc.version} to ${hub.session.url}.` : `Trust version ${doc.version} was published already; nothing changed.`,
        ...(reply.resigned.manifests + reply.resigned.deploymentDocs > 0 ? [`Signed again with the new release keys: ${reply.resigned.manifests} release manifests, ${reply.resigned.deploymentDocs} deployment docs.`] : []),
      ]);
    });
}
