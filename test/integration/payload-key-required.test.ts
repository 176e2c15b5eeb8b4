import { spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { writeRuntime } from '../../lib/runtime';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * No silent plaintext: a worker, a CLI client or a codec server without a payload key refuses to start, in one line
 * naming the variable. The demo's generated key reaches other commands only through the runtime info of the running
 * `connector start`, and only for the demo's own database and Temporal server; a secret.key lying in a data folder is
 * never picked up on its own.
 */
const NO_KEY = { CONNECTOR_SECRET_KEY: '', CONNECTOR_PAYLOAD_KEY: '', CONNECTOR_OLD_SECRET_KEYS: '' };

describe('without a payload key nothing talks to Temporal, and the demo key comes only from the running demo', () => {
  let t: TestDatabase;
  let dataDir: string;
  let keyFile: string;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-keys-'));
    keyFile = path.join(dataDir, 'secret.key');
    fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
  });
  afterAll(async () => {
    await t?.drop();
  });

  const elsewhere = () => ({
    ...NO_KEY,
    CONNECTOR_DATA_DIR: dataDir,
    DATABASE_URL: t.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
  });
  const KEY_MISSING = /^CONNECTOR_SECRET_KEY is not set: Temporal payloads are encrypted with a key derived from it/;

  it('`connector worker` refuses to start, in one line naming CONNECTOR_SECRET_KEY', async () => {
    const run = await runCli(['worker'], elsewhere());
    expect(run.error).toMatch(KEY_MISSING);
    expect(run.error).not.toContain('\n');
  });

  it('a CLI command that talks to Temporal refuses before sending anything', async () => {
    expect((await runCli(['failed', 'list'], elsewhere())).error).toMatch(KEY_MISSING);
  });

  it('`connector codec-server` refuses without a payload key, and without a token (CONNECTOR_CODEC_TOKEN)', async () => {
    expect((await runCli(['codec-server', '--port', '0'], elsewhere())).error).toMatch(KEY_MISSING);
    const keyed = { ...elsewhere(), CONNECTOR_SECRET_KEY: crypto.randomBytes(32).toString('hex') };
    expect((await runCli(['codec-server', '--port', '0'], keyed)).error).toMatch(
      /^CONNECTOR_CODEC_TOKEN is not set: the codec server decrypts payloads for whoever calls it/,
    );
  });

  it('a secret.key in the data folder is not used when no `connector start` runs there', async () => {
    const run = await runCli(['failed', 'list'], elsewhere());
    expect(run.error).toMatch(KEY_MISSING);
  });

  it("the running demo's key is found through its runtime info, for the demo's own database and Temporal only", async () => {
    writeRuntime(
      { dataDir },
      { databaseUrl: t.url, temporalAddress: process.env.TEMPORAL_TEST_ADDRESS!, secretKeyFile: keyFile },
    );
    const demo = { ...NO_KEY, CONNECTOR_DATA_DIR: dataDir };
    const listed = await runCli(['--json', 'failed', 'list'], demo);
    expect(listed.error).toBeUndefined();
    expect(listed.json.workflows).toMatchObject({
      messages: 'decoded with the payload key by the client data converter',
    });
    // Another deployment's database: the demo key stays out of it.
    const other = await runCli(['failed', 'list'], { ...demo, DATABASE_URL: `${t.url}_other` });
    expect(other.error).toMatch(KEY_MISSING);
  });

  it('the runtime info of a `connector start` that has ended is ignored', async () => {
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(
      path.join(dataDir, 'runtime.json'),
      JSON.stringify({ pid: ended, temporalAddress: process.env.TEMPORAL_TEST_ADDRESS, secretKeyFile: keyFile }),
    );
    const run = await runCli(['failed', 'list'], { ...NO_KEY, CONNECTOR_DATA_DIR: dataDir });
    expect(run.error).toMatch(/^no Temporal server: set TEMPORAL_ADDRESS/);
  });
});
