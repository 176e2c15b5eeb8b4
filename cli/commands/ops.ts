import type { Command } from 'commander';
import { migrateLatest } from '../../db';
import { runWorkerProcess } from '../../workers/main';
import { print } from '../output';
import { withContext } from '../context';

/** Process commands: migrate the database, run a worker. */
export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply the database migrations (DATABASE_URL)')
    .action(async (_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const applied = await migrateLatest(ctx.getDb());
        print(cmd, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      }),
    );

  program
    .command('worker')
    .description('run a worker against TEMPORAL_ADDRESS and DATABASE_URL until SIGINT/SIGTERM')
    .action(async () => runWorkerProcess());
}
