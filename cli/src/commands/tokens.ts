/**
 * `edgefleet tokens create | list | rotate | revoke`: admin tokens with a scope (read, operator or
 * admin) for scripts and people; the hub keeps only their hashes, so a token is shown once (or
 * written to a 0600 file with --token-file). Managing them needs an admin-scoped token.
 */
import { Option, type Command } from 'commander';
import { ok, type Hub } from '../api';
import type { Reply } from '../api-types';
import { durationArg } from '../args';
import type { Ctx } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { keyValues, shortTime, table } from '../output';
import { isFullUuid, resolvePrefix } from '../refs';
import { lostSecret, prepareSecretFile } from '../secret-file';

type TokenList = Reply<'/api/v1/admin-tokens', 'get'>;
type Issued = Reply<'/api/v1/admin-tokens', 'post', 201>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
function nameArg(value: string): string {
  if (!NAME.test(value)) throw usageError(`${JSON.stringify(value)} is not a token name: 1 to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit`);
  return value;
}

/** A token's id from its id, the first characters of it, or its name. */
async function tokenId(hub: Hub, ref: string): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const { tokens } = await ok(hub, hub.client.GET('/api/v1/admin-tokens'));
  const named = tokens.find((token) => token.name === ref);
  if (named) return named.id;
  const prefix = ref.toLowerCase();
  if (!/^[0-9a-f][0-9a-f-]{3,35}$/.test(prefix)) throw new CliError('E_NOT_FOUND', `no admin token is named ${ref} (edgefleet tokens list shows them)`, EXIT.notFound);
  return resolvePrefix(prefix, tokens.map((token) => token.id), 'admin token');
}

function tokensTable(tokens: TokenList['tokens'], width: number): string[] {
  if (tokens.length === 0) return ['No admin tokens (the bootstrap token of the data dir is not listed).'];
  return table(
    ['NAME', 'SCOPE', 'STATE', 'LAST USED', 'EXPIRES', 'ID'],
    tokens.map((t) => [t.name, t.scope, t.state, shortTime(t.lastUsedAt), t.expiresAt ? shortTime(t.expiresAt) : 'never', t.id.slice(0, 8)]),
    { width },
  );
}

/** Prints the token once (or writes it to `file`); the JSON result never carries it when it went to a file. */
async function showOnce(ctx: Ctx, call: () => Promise<Issued>, file: string | undefined, verb: string): Promise<void> {
  const secretFile = file === undefined ? undefined : await prepareSecretFile(file, '--token-file');
  let issued: Issued;
  try {
    issued = await call();
  } catch (error) {
    await secretFile?.abort();
    throw error;
  }
  if (secretFile && file !== undefined) {
    try {
      await secretFile.commit(issued.token);
    } catch (error) {
      const old = verb === 'rotated' ? ' (its old secret no longer works)' : '';
      throw lostSecret(file, error, `Admin token ${issued.name} (id ${issued.id}) was ${verb}${old}`, `Rotate it again: edgefleet tokens rotate ${issued.id} --token-file <path>`);
    }
  }
  const { token, ...view } = issued;
  const facts = keyValues([
    ['name', view.name],
    ['scope', view.scope],
    ['expires', view.expiresAt ?? 'never'],
    ['id', view.id],
  ]);
  ctx.out.result(file === undefined ? issued : { ...view, tokenFile: file }, () =>
    file === undefined ? [`Admin token ${view.name} ${verb} (shown once, the hub keeps only its hash):`, token, ...facts] : [`Admin token ${view.name} ${verb}: it is in ${file} (mode 0600).`, ...facts],
  );
}

export function registerTokens(program: Command, ctx: Ctx): void {
  const tokens = program.command('tokens').description('admin tokens with a scope (read, operator, admin) for scripts and people');

  tokens
    .command('create')
    .description('create a token; it is shown once (or written to --token-file)')
    .argument('<name>', 'who or what holds it; the audit log names its actions token:<name>', nameArg)
    .addOption(new Option('--scope <scope>', 'read: GETs only; operator: also rollouts, assignments, models, datasets, training; admin: everything').choices(['read', 'operator', 'admin']).makeOptionMandatory())
    .option('--ttl <duration>', 'how long it stays valid: 60s to 366d (default: until revoked)', durationArg)
    .option('--token-file <path>', 'write the token to this file (mode 0600) instead of printing it')
    .action(async (name: string, o: { scope: 'read' | 'operator' | 'admin'; ttl?: number; tokenFile?: string }) => {
      const hub = await ctx.hub();
      await showOnce(ctx, () => ok(hub, hub.client.POST('/api/v1/admin-tokens', { body: { name, scope: o.scope, ...(o.ttl === undefined ? {} : { ttlS: o.ttl }) } })), o.tokenFile, 'created');
    });

  tokens
    .command('list')
    .description('tokens with their scope, state and last use (never the tokens themselves)')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/admin-tokens'));
      ctx.out.result(reply, () => tokensTable(reply.tokens, ctx.out.width));
    });

  tokens
    .command('rotate')
    .description('a new secret for a token, shown once: the old one is refused from now on and its console sessions end')
    .argument('<token>', 'token name, id, or the first characters of its id')
    .option('--token-file <path>', 'write the new token to this file (mode 0600) instead of printing it')
    .action(async (ref: string, o: { tokenFile?: string }) => {
      const hub = await ctx.hub();
      const id = await tokenId(hub, ref);
      await showOnce(ctx, () => ok(hub, hub.client.POST('/api/v1/admin-tokens/{id}/rotate', { params: { path: { id } } })), o.tokenFile, 'rotated');
    });

  tokens
    .command('revoke')
    .description('revoke a token: refused from now on, its console sessions end; its name stays taken')
    .argument('<token>', 'token name, id, or the first characters of its id')
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await tokenId(hub, ref);
      const token = await ok(hub, hub.client.DELETE('/api/v1/admin-tokens/{id}', { params: { path: { id } } }));
      ctx.out.result(token, () => [`Admin token ${token.name} (${token.scope}) is ${token.state}.`]);
    });
}
