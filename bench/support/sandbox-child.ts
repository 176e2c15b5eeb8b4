/**
 * Child-process entry: a sandbox started with SANDBOX_OPTIONS (JSON); prints `SANDBOX READY <url>`, stops on SIGTERM.
 * Started by startSandboxChild (bench/support/processes.ts).
 */
import { startSandbox, SandboxOptions } from '../../sandbox';
import { stopWhenOrphaned } from './orphan-guard';

async function main(): Promise<void> {
  const options = JSON.parse(process.env.SANDBOX_OPTIONS ?? '{}') as SandboxOptions;
  const sandbox = await startSandbox({ port: 0, ...options });
  process.stdout.write(`SANDBOX READY ${sandbox.url}\n`);
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    stopWhenOrphaned(() => resolve(undefined));
  });
  await sandbox.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
