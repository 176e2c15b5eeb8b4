import { ChildProcess, execFile, execSync, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { promisify } from 'util';
import { Connection, WorkflowClient } from '@temporalio/client';
import { payloadToJson } from '../../servers/codec-server';
import { freePorts, resolveTemporalCli } from '../../lib/temporal-cli';
import { CATALOG } from '../../sandbox/generator-data';
import { ConsoleClient } from '../support/console';

/**
 * The README's `npm install && npm start`, as a newcomer runs it from this checkout (in CI a fresh clone in a 0700
 * `mktemp -d`): the real `npm start` as a child process (build, then `connector start` with embedded PostgreSQL and
 * its own Temporal dev server and UI), every port on a free one, then what it prints used over HTTP, then Ctrl-C.
 */
const CHECKOUT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 240_000;
jest.setTimeout(START_TIMEOUT_MS + 60_000);

/** The variables of `checkPorts` in cli/commands/start.ts: each its own free port. */
const PORT_SETTINGS = [
  'CONNECTOR_PG_PORT',
  'TEMPORAL_PORT',
  'TEMPORAL_UI_PORT',
  'CONNECTOR_CODEC_PORT',
  'CONNECTOR_METRICS_PORT',
  'SANDBOX_PORT',
  'CONNECTOR_API_PORT',
];

/** A newcomer's environment: none of the test run's settings, no keys or tokens of theirs, the installed Temporal CLI. */
function newcomerEnv(dataDir: string, ports: number[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(CONNECTOR_|TEMPORAL_|TEST_|DATABASE_URL$|LOG_LEVEL$|AWS_|JEST_|npm_)/i.test(name)) env[name] = value;
  ports.forEach((port, i) => (env[PORT_SETTINGS[i]] = String(port)));
  env.CONNECTOR_DATA_DIR = dataDir;
  env.DATABASE_URL = ''; // the embedded PostgreSQL
  env.TEMPORAL_ADDRESS = ''; // a Temporal dev server of its own, with its UI
  env.TEMPORAL_CLI = resolveTemporalCli({ install: false }); // installed already: nothing downloads
  return env;
}

/** Whether any process of the group `pgid` still runs (PostgreSQL, Temporal, moto: started by `connector start`). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('`npm start` from this checkout, as the README says', () => {
  let dir: string;
  let dataDir: string;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let printed: (pattern: RegExp) => RegExpExecArray;
  let startedAt: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-npm-start-'));
    dataDir = path.join(dir, 'data');
    const ports = await freePorts(PORT_SETTINGS.length);
    startedAt = Date.now();
    // Its own process group, as a terminal's: afterAll can kill every process in it.
    child = spawn('npm', ['start'], {
      cwd: CHECKOUT,
      env: newcomerEnv(dataDir, ports),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    printed = (pattern) => {
      const match = pattern.exec(stdout);
      if (!match) throw new Error(`npm start did not print ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`);
      return match;
    };
    // Everything is up once it hands over to the event feed.
    const ready = new Promise<void>((resolve, reject) => {
      const check = () => /^Press Ctrl-C to stop everything/m.test(stdout) && resolve();
      child.stdout!.on('data', check);
      void exited.then(({ code, signal }) =>
        reject(new Error(`npm start ended (${code ?? signal}) before it was ready:\n${stdout}\nstderr:\n${stderr}`)),
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`npm start not ready within ${START_TIMEOUT_MS / 1000}s:\n${stdout}\nstderr:\n${stderr}`)),
        START_TIMEOUT_MS,
      );
    });
    await Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    // Never leave PostgreSQL, Temporal or moto running, whatever failed: the whole group, hard.
    if (child?.pid && groupAlive(child.pid)) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    // As root in a 0700 folder the cluster lives outside the data folder (db/embedded-postgres.ts): it is ours to remove.
    const clusterDir = /cluster in (\S+)\)/.exec(stdout)?.[1];
    if (clusterDir && !clusterDir.startsWith(dir)) fs.rmSync(clusterDir, { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says it builds first, builds, then prints each service on its own line', () => {
    const ours = stdout.split('\n').filter((line) => line.trim() && !line.startsWith('> ')); // not npm's banner
    expect(ours[0]).toBe('Building the connector (npm run build)…');
    expect(fs.statSync(path.join(CHECKOUT, 'dist', 'cli', 'main.js')).mtimeMs).toBeGreaterThanOrEqual(startedAt - 1000);
    for (const service of ['PostgreSQL (embedded)', 'Temporal', 'Codec server', 'Metrics', 'SP-API sandbox'])
      expect(ours.some((line) => line.startsWith(service))).toBe(true);
    console.log(`npm start was ready after ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
  });

  it('the codec endpoint it prints to paste carries a generated token, and decodes the worker’s payloads with it', async () => {
    const [, codecUrl, endpoint] = printed(
      /^Codec server +(http:\/\/\S+) \(.* paste (\S+) as the codec server endpoint/m,
    );
    expect(endpoint).toMatch(new RegExp(`^${codecUrl}/[0-9a-f]{48}$`));
    expect((await post(`${endpoint}/decode`, { payloads: [] })).status).toBe(200);
    expect((await post(`${codecUrl}/decode`, { payloads: [] })).status).toBe(401);
    expect((await post(`${codecUrl}/${'0'.repeat(48)}/decode`, { payloads: [] })).status).toBe(401);

    // An order workflow's input as Temporal holds it (encrypted), decoded as the UI would, through the pasted endpoint.
    const [, amazonOrderId, account] = printed(/^imported (\S+) +(\S+) /m);
    const temporalAddress = printed(/^Temporal +(127\.0\.0\.1:\d+)$/m)[1];
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const history = await new WorkflowClient({ connection })
        .getHandle(`order:${account}:${amazonOrderId}`)
        .fetchHistory();
      const [input] = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
      const stored = payloadToJson(input as any);
      expect(Buffer.from(stored.data, 'base64').toString()).not.toContain(amazonOrderId);
      const res = await post(`${endpoint}/decode`, { payloads: [stored] });
      expect(res.status).toBe(200);
      const [decoded] = ((await res.json()) as any).payloads;
      expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
      expect(Buffer.from(decoded.data, 'base64').toString()).toContain(amazonOrderId);
    } finally {
      await connection.close();
    }
  });

  it('the Temporal UI it prints answers', async () => {
    const uiUrl = printed(/^Temporal UI +(http:\/\/\S+)$/m)[1];
    expect((await fetch(uiUrl)).status).toBe(200);
  });

  it('the Book API with the demo token shows a stocked demo catalog and the imported orders', async () => {
    const apiUrl = printed(/^Book API +(http:\/\/\S+)\/v1 \(docs: /m)[1];
    const token = printed(/^ {2}demo token \(all scopes\): (act_\S+)$/m)[1];
    const get = async (p: string) => {
      const res = await fetch(`${apiUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
      expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
      return (await res.json()) as any;
    };
    const stock = (await get('/v1/stock?limit=200')).items as Array<{ sku: string; onHand: number }>;
    expect(stock.map((p) => p.sku).sort()).toEqual(CATALOG.map((item) => item.sku).sort());
    // On the shelf: what the seller ships itself (FBA stock is Amazon's), not 0 as before issue 15.
    const shelved = new Set(CATALOG.filter((item) => item.fulfilledBy === 'MERCHANT').map((item) => item.sku));
    expect(shelved.size).toBeGreaterThan(CATALOG.length / 2);
    expect(stock.filter((p) => shelved.has(p.sku) && !(p.onHand > 0))).toEqual([]);

    const total = Number(printed(/^(\d+) orders in the book: \1 imported now/m)[1]);
    expect(total).toBeGreaterThan(0);
    // At least those: a pending order Amazon confirms meanwhile is imported too.
    const orders = (await get(`/v1/orders?limit=200`)).items;
    expect(orders.length).toBeGreaterThanOrEqual(total);

    const consoleClient = new ConsoleClient(
      printed(/^Console +(http:\/\/\S+)\/ \(log in with the demo token above\)$/m)[1],
    );
    expect(consoleClient.base).toBe(apiUrl);
    expect((await consoleClient.login(token)).status).toBe(303);
    expect((await consoleClient.get('/')).status).toBe(200);
  });

  it('other commands find the running demo: `connector products list` shows each product with its price', async () => {
    const { stdout: json } = await promisify(execFile)('node', ['bin/connector.js', 'products', 'list', '--json'], {
      cwd: CHECKOUT,
      env: newcomerEnv(dataDir, []),
    });
    const products = JSON.parse(json) as Array<{ sku: string; price: string | null }>;
    expect(products).toHaveLength(CATALOG.length);
    expect(products.filter((p) => !(Number(p.price) > 0))).toEqual([]);
  });

  it('SIGINT stops every process it started, exits 0 and clears the runtime file', async () => {
    expect(fs.existsSync(path.join(dataDir, 'runtime.json'))).toBe(true);
    // To npm alone, as a process manager or an IDE's stop button sends it: a terminal's Ctrl-C reaches the whole group,
    // where each process would stop on its own; here the connector must stop everything it started itself.
    process.kill(child.pid!, 'SIGINT');
    const deadline = Date.now() + 30_000;
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      exited,
      new Promise((resolve) => (timer = setTimeout(() => resolve('still running after 30 s'), 30_000))),
    ]).finally(() => clearTimeout(timer));
    expect(end).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/^stopping…$/m);
    expect(fs.existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
    while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(child.pid!) ? execSync(`ps -o pid,args -g ${child.pid}`).toString() : 'none left').toBe(
      'none left',
    );
  });
});
