import { execFile } from 'child_process';
import { promisify } from 'util';
import crypto from 'crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createDataConverter, codecFromEnv } from '../../lib/payload-codec';
import { CodecServer, payloadToJson, startCodecServer } from '../../cli/servers/codec-server';

/**
 * The Temporal UI's remote codec: the browser posts {payloads:[{metadata:{k: base64}, data: base64}]} to /decode with
 * X-Namespace, from the UI's origin. Payloads here come from a real history, as the UI would send them.
 */
const KEY = crypto.randomBytes(32).toString('hex');
const OLD_KEY = crypto.randomBytes(32).toString('hex');
const env = { CONNECTOR_PAYLOAD_KEY: KEY, CONNECTOR_PAYLOAD_KEY_ID: 'p2', CONNECTOR_OLD_PAYLOAD_KEYS: `p1:${OLD_KEY}` };
const UI = 'http://localhost:8233';

describe('codec server for the Temporal UI', () => {
  let server: CodecServer;
  let guarded: CodecServer;
  let connection: Connection;
  let storedInput: { metadata: Record<string, string>; data: string };
  const workflowId = `codec-server-${Date.now().toString(36)}`;
  const input = {
    accountId: 'acme-us',
    header: { amazonOrderId: '113-0000000-0000001', marketplaceId: 'ATVPDKIKX0DER', channel: 'FBM' },
  };

  beforeAll(async () => {
    server = await startCodecServer({ codec: codecFromEnv(env)!, port: 0 });
    guarded = await startCodecServer({ codec: codecFromEnv(env)!, port: 0, token: 'codec-token' });
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    // A run no worker picks up: only its stored input matters.
    const client = new Client({ connection, dataConverter: createDataConverter(env) });
    await client.workflow.start('order', { taskQueue: `${workflowId}-nobody`, workflowId, args: [input] });
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    storedInput = payloadToJson(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]) as any;
  });

  afterAll(async () => {
    await new Client({ connection }).workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => undefined);
    await connection?.close();
    await server?.close();
    await guarded?.close();
  });

  const post = (base: string, path: string, payloads: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...headers },
      body: JSON.stringify({ payloads }),
    });

  /** The JSON answer of a request. */
  const answer = async (res: Promise<Response>): Promise<any> => (await res).json();

  it("answers the UI's /decode request with the plain payload, and CORS for the UI's origin", async () => {
    expect(Buffer.from(storedInput.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const res = await post(server.url, '/decode', [storedInput]);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const body: any = await res.json();
    expect(Buffer.from(body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual(input);
  });

  it('serves the Temporal CLI too: `temporal workflow show --codec-endpoint` prints the decoded input', async () => {
    // Asynchronously: the codec server answering the CLI runs in this process.
    const show = async (extra: string[]) => {
      const args = [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--output',
        'json',
        '--address',
        process.env.TEMPORAL_TEST_ADDRESS!,
        ...extra,
      ];
      const { stdout } = await promisify(execFile)(process.env.TEMPORAL_CLI!, args, {
        encoding: 'utf8',
        timeout: 30_000,
      });
      return JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    };
    expect((await show([])).metadata.encoding).toBe(Buffer.from('binary/encrypted').toString('base64'));
    const decoded = await show(['--codec-endpoint', server.url]);
    expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toEqual(input);
  });

  it('answers the preflight with the headers the UI sends (X-Namespace, Authorization), and only to allowed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace,authorization',
        },
      });
    const ok = await preflight('http://127.0.0.1:8233');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(
      expect.arrayContaining(['x-namespace', 'authorization', 'content-type']),
    );
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('passes plain JSON payloads (a signal typed into the UI) through /decode unchanged', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ carrier: 'UPS', trackingNumber: '1Z999' }));
    const body = await answer(post(server.url, '/decode', [plain]));
    expect(body.payloads[0]).toEqual(plain);
  });

  it('/encode then /decode round-trips, and a payload sealed with a rotated-out key still decodes', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ hello: 'world' }));
    const encoded = (await answer(post(server.url, '/encode', [plain]))).payloads[0];
    expect(Buffer.from(encoded.metadata['encryption-key-id'], 'base64').toString()).toBe('p2');
    expect((await answer(post(server.url, '/decode', [encoded]))).payloads[0]).toEqual(plain);

    const old = (
      await codecFromEnv({ CONNECTOR_PAYLOAD_KEY: OLD_KEY, CONNECTOR_PAYLOAD_KEY_ID: 'p1' })!.encode([
        defaultPayloadConverter.toPayload('before rotation'),
      ])
    )[0];
    const decoded = (await answer(post(server.url, '/decode', [payloadToJson(old)]))).payloads[0];
    expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toBe('before rotation');
  });

  it('says why a payload cannot be decoded (unknown key id) instead of failing silently', async () => {
    const foreign = (
      await codecFromEnv({
        CONNECTOR_PAYLOAD_KEY: crypto.randomBytes(32).toString('hex'),
        CONNECTOR_PAYLOAD_KEY_ID: 'p9',
      })!.encode([defaultPayloadConverter.toPayload(1)])
    )[0];
    const res = await post(server.url, '/decode', [payloadToJson(foreign)]);
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).error).toMatch(/key "p9".*not configured/);
    expect((await post(server.url, '/decode', 'not a list' as any)).status).toBe(400);
  });

  it('with a token, refuses requests without `Authorization: Bearer <token>`', async () => {
    expect((await post(guarded.url, '/decode', [storedInput])).status).toBe(401);
    expect((await post(guarded.url, '/decode', [storedInput], { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await post(guarded.url, '/decode', [storedInput], { authorization: 'Bearer codec-token' });
    expect(ok.status).toBe(200);
    // The browser's preflight carries no credentials: it must pass without the token.
    const preflight = await fetch(`${guarded.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
  });
});
