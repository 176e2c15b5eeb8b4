import type { Command } from 'commander';

/** Each command module adds its subcommands to the program; the list is the CLI's table of contents. */
const modules: Array<{ register(program: Command): void }> = [];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
