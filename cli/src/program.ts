/** The command tree: `edgefleet <noun> <verb>`, with --json on every command. */
import { Command } from 'commander';
import type { Ctx } from './context';
import { EXIT_CODES_HELP } from './errors';

type Register = (program: Command, ctx: Ctx) => void;

/**
 * The command groups and the top-level commands each defines. Only the group a command line
 * names is loaded (with its views and I/O modules): every module costs start-up time through
 * the TypeScript loader, and a CLI starts once per command. Help, and anything unknown, loads all.
 */
const GROUPS: ReadonlyArray<{ commands: readonly string[]; load: () => Promise<Register> }> = [
  { commands: ['login', 'logout', 'whoami'], load: async () => (await import('./commands/login')).registerLogin },
  { commands: ['devices', 'rings'], load: async () => (await import('./commands/devices')).registerDevices },
  { commands: ['models', 'drift'], load: async () => (await import('./commands/models')).registerModels },
  { commands: ['datasets'], load: async () => (await import('./commands/datasets')).registerDatasets },
  { commands: ['train'], load: async () => (await import('./commands/train')).registerTrain },
  { commands: ['rollouts'], load: async () => (await import('./commands/rollouts')).registerRollouts },
  { commands: ['alerts', 'jobs', 'audit', 'enrolment-tokens'], load: async () => (await import('./commands/ops')).registerOps },
  { commands: ['tokens'], load: async () => (await import('./commands/tokens')).registerTokens },
  { commands: ['keys'], load: async () => (await import('./commands/keys')).registerKeys },
  { commands: ['trust'], load: async () => (await import('./commands/trust')).registerTrust },
];

/** The groups `argv` needs: the one its command belongs to, or all of them. */
export function groupsFor(argv: readonly string[]): typeof GROUPS {
  // The program's own options (--json, -V, -h) all start with a dash; the first word that does not is the command.
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const named = GROUPS.filter((group) => command !== undefined && group.commands.includes(command));
  return named.length > 0 ? named : GROUPS;
}

export const VERSION = '0.1.0';

const CONFIG_HELP = `Configuration:
  edgefleet login stores the hub URL and admin token (mode 0600) in
  $EDGEFLEET_CONFIG, else $XDG_CONFIG_HOME/edgefleet/config.json, else
  ~/.config/edgefleet/config.json. EDGEFLEET_HUB_URL and EDGEFLEET_ADMIN_TOKEN
  override it. Every command takes --json.`;

/** Commander's own messages (`error: unknown option '--x'`) in the CLI's error format. */
export const commanderErrorLine = (text: string): string => `edgefleet: E_USAGE ${text.replace(/^error:\s*/, '')}`;

const JSON_HELP = "machine output: the hub's JSON reply as one document on stdout (notes and progress go to stderr)";

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}

export async function buildProgram(ctx: Ctx, argv: readonly string[]): Promise<Command> {
  const program = new Command('edgefleet')
    .description('Manage an edgefleet hub: devices, models, datasets, training runs, rollouts, drift and alerts.')
    .version(VERSION, '-V, --version')
    .option('--json', JSON_HELP)
    // Program options only before the command: `devices list --version 1` is the command's --version, not ours.
    .enablePositionalOptions()
    // Settings below are copied to every subcommand made with .command().
    .configureHelp({ helpWidth: 80, minWidthToWrap: 20 })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) })
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${CONFIG_HELP}\n`);
  program.hook('preAction', (_program, action) => {
    ctx.out.json = action.opts<{ json?: boolean }>().json === true || program.opts<{ json?: boolean }>().json === true;
  });
  const registers = await Promise.all(groupsFor(argv).map((group) => group.load()));
  for (const register of registers) register(program, ctx);
  for (const leaf of leaves(program)) leaf.option('--json', JSON_HELP);
  return program;
}
