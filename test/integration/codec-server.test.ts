import { execFile } from 'child_process';
import http from 'http';
import { promisify } from 'util';
import crypto from 'crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createDataConverter, codecFromEnv } from '../../lib/payload-codec';
import { CodecServer, payloadToJson, startCodecServer } from '../../servers/codec-server';

/**
 * The Temporal UI's remote codec: the browser posts {payloads:[{metadata:{k: base64}, data: base64}]} to
 * <endpoint>/decode with X-Namespace, from the UI's origin. Payloads here come from a real history, as the UI would
 * send them. It always wants its token (in the endpoint's path for the UI, as a Bearer header otherwise), and answers
 * only to its own Host names and to the UI's origins.
 */
const KEY = crypto.randomBytes(32).toString('hex');
const OLD_KEY = crypto.randomBytes(32).toString('hex');
const env = { CONNECTOR_PAYLOAD_KEY: KEY, CONNECTOR_PAYLOAD_KEY_ID: 'p2', CONNECTOR_OLD_PAYLOAD_KEYS: `p1:${OLD_KEY}` };
const UI = 'http://localhost:8233';
const TOKEN = 'codec-token-3b9d1f';
const bearer = { authorization: `Bearer ${TOKEN}` };

describe('codec server for the Temporal UI', () => {
  let server: CodecServer;
  let connection: Connection;
  let storedInput: { metadata: Record<string, string>; data: string };
  const workflowId = `codec-server-${Date.now().toString(36)}`;
  const input = {
    accountId: 'acme-us',
    header: { amazonOrderId: '113-0000000-0000001', marketplaceId: 'ATVPDKIKX0DER', channel: 'FBM' },
  };

  beforeAll(async () => {
    server = await startCodecServer({ codec: codecFromEnv(env)!, port: 0, token: TOKEN });
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
  });

  /** As the UI posts: to <endpoint>/decode, from its origin, with the token as the endpoint's path. */
  const post = (base: string, path: string, payloads: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...headers },
      body: JSON.stringify({ payloads }),
    });
  const endpoint = () => server.uiEndpoint;

  /** The JSON answer of a request. */
  const answer = async (res: Promise<Response>): Promise<any> => (await res).json();

  it("answers the UI's /decode request with the plain payload, and CORS for the UI's origin", async () => {
    expect(Buffer.from(storedInput.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(endpoint()).toBe(`${server.url}/${TOKEN}`);
    const res = await post(endpoint(), '/decode', [storedInput]);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const body: any = await res.json();
    expect(Buffer.from(body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual(input);
  });

  it('serves the Temporal CLI too: `temporal workflow show --codec-endpoint` (token in the path, or --codec-auth) prints the decoded input', async () => {
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
    for (const flags of [
      ['--codec-endpoint', endpoint()],
      ['--codec-endpoint', server.url, '--codec-auth', `Bearer ${TOKEN}`],
    ]) {
      const decoded = await show(flags);
      expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toEqual(input);
    }
  });

  it('answers the preflight with the headers the UI sends (X-Namespace, Authorization), and only to allowed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${endpoint()}/decode`, {
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
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('passes plain JSON payloads (a signal typed into the UI) through /decode unchanged', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ carrier: 'UPS', trackingNumber: '1Z999' }));
    const body = await answer(post(endpoint(), '/decode', [plain]));
    expect(body.payloads[0]).toEqual(plain);
  });

  it('/encode then /decode round-trips, and a payload sealed with a rotated-out key still decodes', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ hello: 'world' }));
    const encoded = (await answer(post(endpoint(), '/encode', [plain]))).payloads[0];
    expect(Buffer.from(encoded.metadata['encryption-key-id'], 'base64').toString()).toBe('p2');
    expect((await answer(post(endpoint(), '/decode', [encoded]))).payloads[0]).toEqual(plain);

    const old = (
      await codecFromEnv({ CONNECTOR_PAYLOAD_KEY: OLD_KEY, CONNECTOR_PAYLOAD_KEY_ID: 'p1' })!.encode([
        defaultPayloadConverter.toPayload('before rotation'),
      ])
    )[0];
    const decoded = (await answer(post(endpoint(), '/decode', [payloadToJson(old)]))).payloads[0];
    expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toBe('before rotation');
  });

  it('says why a payload cannot be decoded (unknown key id) instead of failing silently', async () => {
    const foreign = (
      await codecFromEnv({
        CONNECTOR_PAYLOAD_KEY: crypto.randomBytes(32).toString('hex'),
        CONNECTOR_PAYLOAD_KEY_ID: 'p9',
      })!.encode([defaultPayloadConverter.toPayload(1)])
    )[0];
    const res = await post(endpoint(), '/decode', [payloadToJson(foreign)]);
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'undecodable',
      message: expect.stringMatching(/key "p9".*not configured/),
    });
    const notAList = await post(endpoint(), '/decode', 'not a list' as any);
    // A well-formed request whose body says the wrong thing is 422 on every server of ours (servers/app.ts).
    expect(notAList.status).toBe(422);
    expect(((await notAList.json()) as any).error).toMatchObject({ code: 'invalid_input', field: 'payloads' });
  });

  it('refuses every request without its token, in the path or as `Authorization: Bearer <token>`; the preflight needs none', async () => {
    expect((await post(server.url, '/decode', [storedInput])).status).toBe(401);
    expect((await post(server.url, '/decode', [storedInput], { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(`${server.url}/wrong-token`, '/decode', [storedInput])).status).toBe(401);
    const unauthorized = await post(server.url, '/encode', [storedInput]);
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as any).error.code).toBe('unauthorized');
    expect((await post(server.url, '/decode', [storedInput], bearer)).status).toBe(200);
    expect((await post(endpoint(), '/decode', [storedInput])).status).toBe(200);
    // The browser's preflight carries no credentials: it must pass without the token.
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
  });

  /** A raw request, so that the Host header is the one a browser would send after DNS rebinding. */
  const rawPost = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(
        `${server.url}/decode`,
        { method: 'POST', headers: { 'content-type': 'application/json', ...bearer, ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ payloads: [storedInput] }));
    });

  it('defeats DNS rebinding: a Host that is not its own, or a foreign Origin, is refused with 403 even with the token', async () => {
    const port = new URL(server.url).port;
    const rebound = await rawPost({ host: `attacker.example:${port}` });
    expect(rebound).toMatchObject({ status: 403, body: { error: { code: 'host_not_allowed' } } });
    const foreign = await rawPost({ host: `127.0.0.1:${port}`, origin: 'https://attacker.example' });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'origin_not_allowed' } } });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`])
      expect((await rawPost({ host, origin: UI })).status).toBe(200);
  });

  it('does not start without a token', async () => {
    await expect(startCodecServer({ codec: codecFromEnv(env)!, port: 0, token: '' })).rejects.toThrow(
      /^CONNECTOR_CODEC_TOKEN is not set/,
    );
  });
});
