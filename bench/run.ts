/**
 * `npm run bench -- <name> [--quick] [options]`: runs one benchmark in its own process and passes the options on.
 * quota, engine and memory run the worker compiled (dist/, built here first), as `connector worker` does.
 */
import { spawnSync } from 'child_process';
import path from 'path';

/** `node` flags a bench needs (finances keeps 145,000 orders in its in-process sandbox: about 5 GB at its peak). */
const BENCHES: Record<string, { file: string; compiled: boolean; quick: string[]; node?: string[] }> = {
  quota: { file: 'quota.ts', compiled: true, quick: ['--quick'] },
  engine: { file: 'engine.ts', compiled: true, quick: ['--quick'] },
  memory: { file: 'memory.ts', compiled: true, quick: ['--quick'] },
  stock: { file: 'stock.ts', compiled: false, quick: ['--offers', '10000'] },
  lookup: { file: 'order-lookup.ts', compiled: false, quick: ['--orders', '20000'] },
  events: { file: 'events.ts', compiled: false, quick: ['--events', '1000', '--orders', '300'] },
  console: { file: 'console.ts', compiled: false, quick: ['--samples', '100'] },
  notifications: { file: 'notifications.ts', compiled: false, quick: ['--trickle', '20', '--burst', '200'] },
  api: { file: 'api.ts', compiled: false, quick: ['--orders', '1000', '--rows', '1000', '--shipments', '12'] },
  finances: {
    file: 'finances.ts',
    compiled: false,
    quick: ['--orders', '3000', '--transactions', '10000'],
    node: ['--max-old-space-size=8192'],
  },
};

function main(): number {
  const [name, ...rest] = process.argv.slice(2);
  const bench = BENCHES[name ?? ''];
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [--quick]\n`);
    return 2;
  }
  const root = path.resolve(__dirname, '..');
  if (bench.compiled) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) return build.status ?? 1;
  }
  const args = rest.flatMap((a) => (a === '--quick' ? bench.quick : [a]));
  const run = spawnSync(
    process.execPath,
    [
      ...(bench.node ?? []),
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, bench.file),
      ...args,
      ...(bench.compiled ? ['--compiled'] : []),
    ],
    { cwd: root, stdio: 'inherit', env: { LOG_LEVEL: 'warn', ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
  );
  return run.status ?? 1;
}

process.exit(main());
