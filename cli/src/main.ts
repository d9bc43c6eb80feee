/** The `edgefleet` command: runs the command line and turns every failure into a message and an exit code. */
import { CommanderError } from 'commander';
import { createCtx } from './context';
import { CliError, EXIT, type ExitCode } from './errors';
import { processOutput, type Output } from './io';
import { line } from './output';
import { buildProgram } from './program';

function report(error: unknown, out: Output): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version end here with code 0; commander has already printed its own message.
    if (error.exitCode === 0) return EXIT.ok;
    // A command line that names no command (`edgefleet`, `edgefleet devices`): the help was the answer.
    if (error.code === 'commander.help') return EXIT.usage;
    // Commander printed its own errors (their messages start with "error:"); a parser's error
    // raised inside an action (a --tag, a --split) was not printed yet.
    if (!error.message.startsWith('error:')) out.note(`edgefleet: E_USAGE ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    out.note(`edgefleet: ${error.code} ${error.message}`);
    for (const text of error.lines) out.note(`  ${line(text, 1000)}`);
    return error.exitCode;
  }
  out.note(`edgefleet: E_INTERNAL ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  const out = processOutput();
  try {
    const program = await buildProgram(createCtx(process.env, out), argv);
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    return report(error, out);
  }
}
