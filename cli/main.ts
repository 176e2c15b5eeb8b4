import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { UserError } from '../lib/errors';
import { ConfigError } from '../lib/config';
import { redactText } from '../lib/redact';
import { databaseProblem } from '../db';

export function buildProgram(): Command {
  const program = new Command('connector')
    .description('amazon-connector: Amazon seller accounts kept in sync with a PostgreSQL order and stock book')
    .option('--json', 'machine-readable output')
    .option('--verbose', 'show stack traces on errors')
    .showHelpAfterError('(add --help for the usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Entry point of bin/connector.js. Errors print one line and exit non-zero; --verbose shows the stack. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed its one line; a usage mistake exits 2, as shells expect (help and --version exit 0).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const verbose = argv.includes('--verbose');
    const database = databaseProblem(err);
    const known = err instanceof UserError || err instanceof ConfigError || database !== undefined;
    // Whatever the error quotes (a URL with its password, a token), secrets are masked before it reaches the terminal.
    const message = redactText(database ?? (err instanceof Error ? err.message : String(err)), process.env);
    process.stderr.write(`connector: ${message}\n`);
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${redactText(err.stack, process.env)}\n`);
    else if (!known) process.stderr.write('(run again with --verbose for details)\n');
    process.exitCode = 1;
  }
}
