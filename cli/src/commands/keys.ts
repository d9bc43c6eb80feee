/**
 * `edgefleet keys create | public`: Ed25519 signing keys for the trust chain, made and read
 * offline (docs/keys.md). A root key belongs on an offline machine with its holder; a release key
 * goes into the hub's data dir as keys/release-<keyid>.pem.
 */
import type { Command } from 'commander';
import type { Ctx } from '../context';
import { createKeyFile, readKeyFile, writeNewTextFile } from '../key-files';

export function registerKeys(program: Command, ctx: Ctx): void {
  const keys = program.command('keys').description('Ed25519 keys for trust documents (offline: never talks to a hub)');
  keys
    .command('create')
    .description('write a new private key (PKCS#8 PEM, mode 0600) and print its keyid; an existing file is never replaced')
    .argument('<file>', 'where to write the key, e.g. root-1.pem or release-2.pem')
    .action(async (file: string) => {
      const key = await createKeyFile(file);
      ctx.out.result({ keyid: key.keyid, file, publicKey: key.publicPem }, () => [`Created ${file} (mode 0600).`, `keyid ${key.keyid}`]);
    });
  keys
    .command('public')
    .description("a key's keyid and public key (SPKI PEM): what trust build needs of a key held elsewhere")
    .argument('<file>', 'a private or public key file')
    .option('--out <file>', 'also write the public key there (an existing file is never replaced)')
    .action(async (file: string, o: { out?: string }) => {
      const key = await readKeyFile(file, 'key');
      if (o.out !== undefined) await writeNewTextFile(o.out, key.publicPem, 0o644, `--out: ${o.out} exists already; choose another file name`);
      ctx.out.result({ keyid: key.keyid, file, private: key.signing !== null, publicKey: key.publicPem, ...(o.out === undefined ? {} : { out: o.out }) }, () => [
        `keyid ${key.keyid}`,
        ...(o.out === undefined ? key.publicPem.trimEnd().split('\n') : [`Public key written to ${o.out}.`]),
      ]);
    });
}
