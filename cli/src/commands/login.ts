/** `edgefleet login | logout | whoami`: the hub URL and admin token, checked against the hub and stored 0600. */
import { Option, type Command } from 'commander';
import { connect, ok } from '../api';
import { checkToken, MAX_TOKEN_LENGTH, normaliseHubUrl, resolveSession, type Session } from '../config';
import { readConfig, removeConfig, writeConfig } from '../config-store';
import type { Ctx } from '../context';
import { readSmallFile } from '../files';
import { keyValues } from '../output';
import { readHidden, readStdin } from '../prompt';

/** A cheap call that needs the admin token: the scheduled jobs, answered from memory. */
async function checkSession(session: Session): Promise<void> {
  const hub = connect(session);
  await ok(hub, hub.client.GET('/api/v1/jobs'));
}

async function tokenFrom(options: { token?: string; tokenFile?: string }): Promise<string> {
  if (options.token !== undefined) return checkToken(options.token, '--token');
  if (options.tokenFile !== undefined) return checkToken((await readSmallFile(options.tokenFile, MAX_TOKEN_LENGTH + 2, '--token-file')).toString('utf8'), `--token-file ${options.tokenFile}`);
  if (process.stdin.isTTY) return checkToken(await readHidden('Admin token: ', MAX_TOKEN_LENGTH + 1), 'token');
  return checkToken(await readStdin(MAX_TOKEN_LENGTH + 2, 'token'), 'token on stdin');
}

export function registerLogin(program: Command, ctx: Ctx): void {
  program
    .command('login')
    .description('check an admin token against a hub and store both (config file mode 0600); the token comes from --token-file, --token, or stdin (typed without echo on a terminal)')
    .requiredOption('--url <url>', 'the hub, e.g. http://localhost:8080')
    .addOption(new Option('--token-file <path>', 'a file holding the token, e.g. <hub data dir>/admin-token').conflicts('token'))
    .option('--token <token>', 'the token itself (visible to other users in the process list: prefer --token-file or stdin)')
    .action(async (options: { url: string; token?: string; tokenFile?: string }) => {
      const url = normaliseHubUrl(options.url, '--url');
      const token = await tokenFrom(options);
      await checkSession({ url, token, source: { url: '--url', token: 'login' } });
      await writeConfig(ctx.configPath, { url, token });
      ctx.out.result({ url, config: ctx.configPath }, () => [`Logged in to ${url}.`, `The URL and token are stored in ${ctx.configPath} (mode 0600).`]);
    });

  program
    .command('logout')
    .description('remove the stored hub URL and token (EDGEFLEET_HUB_URL and EDGEFLEET_ADMIN_TOKEN still apply when set)')
    .action(async () => {
      const removed = await removeConfig(ctx.configPath);
      ctx.out.result({ config: ctx.configPath, removed }, () => [removed ? `Logged out: removed ${ctx.configPath}.` : `Not logged in: there was no ${ctx.configPath}.`]);
    });

  program
    .command('whoami')
    .description('the hub the CLI talks to, where its URL and token come from, and whether the hub accepts the token')
    .action(async () => {
      const session = resolveSession(ctx.env, await readConfig(ctx.configPath), ctx.configPath);
      await checkSession(session);
      ctx.out.result({ url: session.url, urlFrom: session.source.url, tokenFrom: session.source.token, accepted: true }, () =>
        keyValues([
          ['hub', session.url],
          ['url from', session.source.url],
          ['token from', session.source.token],
          ['token', 'accepted by the hub'],
        ]),
      );
    });
}
