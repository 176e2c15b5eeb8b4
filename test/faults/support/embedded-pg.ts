import path from 'path';
import { ChildHandle, startTsChild, waitForLine } from '../../../bench/support/processes';
import { freePort } from '../../../lib/temporal-cli';

/** A PostgreSQL of the scenario's own, in a child process (pg-child.ts), so R2 can crash it without touching the shared cluster. */
export interface OwnPostgres {
  url: string;
  /** Immediate shutdown (like a crash), `downMs` down, started again. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnPostgres(logDir: string, downMs = 3000): Promise<OwnPostgres> {
  const logFile = path.join(logDir, 'r2-postgres.log');
  const child: ChildHandle & { ready: string } = await startTsChild(
    path.join(__dirname, 'pg-child.ts'),
    { PG_PORT: String(await freePort()), PG_DOWN_MS: String(downMs) },
    logFile,
    'PG READY ',
  );
  let restarts = 0;
  return {
    url: child.ready,
    async crashAndRestart() {
      child.child.kill('SIGUSR1');
      await waitForLine(logFile, `PG RESTARTED ${++restarts}`, child);
    },
    stop: () => child.stop(30_000),
  };
}
