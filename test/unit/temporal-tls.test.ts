import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import tls from 'tls';
import { CliContext } from '../../cli/context';
import type { Db } from '../../db';
import { ConfigError, loadConfig } from '../../lib/config';
import { temporalTls } from '../../lib/temporal-tls';
import { createConnectorWorker } from '../../workers/worker';

/** A CA, a server certificate for `temporal.test` and a client certificate for `connector-worker`, made by openssl. */
function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=test-ca', '-days', '1');
  for (const [name, cn, ext] of [
    ['server', 'temporal.test', 'subjectAltName=DNS:temporal.test'],
    ['client', 'connector-worker', 'extendedKeyUsage=clientAuth'],
  ]) {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    const sign = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`];
    openssl('x509', '-req', '-in', `${name}.csr`, ...sign, '-out', `${name}.pem`);
  }
  const at = (file: string) => path.join(dir, file);
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
  };
}

describe('TLS to the Temporal frontend (TEMPORAL_TLS_*, the names Temporal’s own clients read)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-tls-'));
  const certs = makeCertificates(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mtls = {
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
  };

  it('is off unless configured, and TEMPORAL_TLS=true alone turns on TLS with the system’s roots', () => {
    expect(temporalTls(loadConfig({}))).toBeUndefined();
    expect(temporalTls(loadConfig({ TEMPORAL_TLS: 'true' }))).toEqual({});
    expect(temporalTls(loadConfig({ ...mtls, TEMPORAL_TLS: 'false' }))).toBeUndefined();
  });

  it('reads the client certificate pair, the server CA and the server name for mTLS', () => {
    expect(temporalTls(loadConfig(mtls))).toEqual({
      serverNameOverride: 'temporal.test',
      serverRootCACertificate: fs.readFileSync(certs.ca),
      clientCertPair: { crt: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) },
    });
  });

  it('refuses a bad setting in one line naming the variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS: 'yes' })).toThrow(
      new ConfigError('TEMPORAL_TLS="yes" is invalid: expected true or false. Fix or unset TEMPORAL_TLS.'),
    );
    expect(() => temporalTls(loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert }))).toThrow(
      new ConfigError(
        'TEMPORAL_TLS_CLIENT_KEY_PATH is not set: mTLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
      ),
    );
    const missing = path.join(dir, 'missing.pem');
    expect(() => temporalTls(loadConfig({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }))).toThrow(
      new ConfigError(`TEMPORAL_TLS_SERVER_CA_CERT_PATH=${missing} cannot be read (ENOENT): set it to a PEM file`),
    );
    expect(() =>
      temporalTls(loadConfig({ ...mtls, TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.ext') })),
    ).toThrow(
      new ConfigError(
        `TEMPORAL_TLS_CLIENT_KEY_PATH=${path.join(dir, 'client.ext')} is not a PEM file (no -----BEGIN line)`,
      ),
    );
  });

  describe('the worker and the CLI present the client certificate', () => {
    let server: tls.Server;
    let address: string;
    const clients: string[] = [];
    beforeAll(async () => {
      // Verifies the client's certificate against the CA, records who it was, then hangs up (no Temporal behind it).
      server = tls.createServer(
        {
          key: fs.readFileSync(certs.serverKey),
          cert: fs.readFileSync(certs.serverCert),
          ca: fs.readFileSync(certs.ca),
          requestCert: true,
          rejectUnauthorized: true,
          ALPNProtocols: ['h2'],
        },
        (socket) => {
          clients.push(String(socket.getPeerCertificate().subject.CN));
          socket.destroy();
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));
    beforeEach(() => clients.splice(0));

    it('connector worker (its native and client connections)', async () => {
      const saved = { ...process.env };
      process.env.CONNECTOR_SECRET_KEY = 'ab'.repeat(32); // the payload key derives from it
      try {
        const config = loadConfig({ ...process.env, ...mtls });
        const db = undefined as unknown as Db; // never reached: connecting comes first, and fails here
        const failure = await createConnectorWorker({ config, db, temporalAddress: address }).catch((e) => e);
        expect(failure).toBeInstanceOf(Error);
      } finally {
        process.env = saved;
      }
      expect(clients).toContain('connector-worker');
    });

    it('the CLI', async () => {
      const saved = { ...process.env };
      Object.assign(process.env, mtls, { TEMPORAL_ADDRESS: address, CONNECTOR_SECRET_KEY: 'ab'.repeat(32) });
      const ctx = new CliContext();
      try {
        await expect(ctx.getTemporal()).rejects.toThrow(`cannot reach the Temporal server at ${address}`);
      } finally {
        process.env = saved;
        await ctx.close();
      }
      expect(clients).toContain('connector-worker');
    });
  });
});
