import { spawnSync } from 'child_process';
import path from 'path';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '../..');

/** docker-compose v1 (Debian's package, which .ci/run installs) or the compose plugin: both resolve the file without an engine. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  return undefined;
}

const compose = composeCommand();
const secrets = {
  POSTGRES_PASSWORD: 'cd'.repeat(24),
  CONNECTOR_SECRET_KEY: 'ab'.repeat(32),
  CONNECTOR_CODEC_TOKEN: 'ef'.repeat(32),
};
const config = (env: Record<string, string>, quiet = true) => {
  const [command, ...args] = compose!;
  const file = path.join(root, 'docker-compose.yml');
  return spawnSync(command, [...args, '-f', file, 'config', ...(quiet ? ['-q'] : [])], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: root,
  });
};

/** Every published port as host address and port: the short syntax ("127.0.0.1:5432:5432/tcp") or the long one. */
function publishedPorts(services: Record<string, any>): Array<{ service: string; hostIp: string; port: number }> {
  return Object.entries(services).flatMap(([service, definition]) =>
    (definition.ports ?? []).map((entry: any) => {
      if (typeof entry === 'object') {
        return { service, hostIp: entry.host_ip ?? '0.0.0.0', port: Number(entry.published) };
      }
      const parts = String(entry).split('/')[0].split(':');
      return parts.length === 3
        ? { service, hostIp: parts[0], port: Number(parts[1]) }
        : { service, hostIp: '0.0.0.0', port: Number(parts[0]) };
    }),
  );
}

describe('docker-compose.yml', () => {
  it('is checked here: .ci/run installs docker-compose', () => {
    expect({ compose: compose ?? 'neither docker-compose nor docker compose: apt-get install docker-compose' }).toEqual(
      {
        compose: expect.any(Array),
      },
    );
  });

  it('is a valid compose file (PostgreSQL, Temporal persisting to it, the UI, the worker)', () => {
    const result = config(secrets);
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('publishes ports on 127.0.0.1 only, and not Temporal’s frontend (7233)', () => {
    const result = config(secrets, false);
    expect(result.status).toBe(0);
    const ports = publishedPorts(parse(result.stdout).services);
    expect(ports.map((p) => `${p.service} ${p.hostIp}:${p.port}`).sort()).toEqual([
      'api 127.0.0.1:8080',
      'codec 127.0.0.1:8888',
      'postgresql 127.0.0.1:5432',
      'temporal-ui 127.0.0.1:8233',
    ]);
  });

  it('takes every password from POSTGRES_PASSWORD', () => {
    const { services } = parse(config(secrets, false).stdout);
    const password = secrets.POSTGRES_PASSWORD;
    expect(services.postgresql.environment.POSTGRES_PASSWORD).toBe(password);
    expect(services.temporal.environment.POSTGRES_PWD).toBe(password);
    for (const service of ['worker', 'api', 'migrate']) {
      expect(services[service].environment.DATABASE_URL).toBe(
        `postgres://connector:${password}@postgresql:5432/connector`,
      );
    }
  });

  it('gives the Temporal UI the codec server’s endpoint with its token, and the codec server that token', () => {
    const { services } = parse(config(secrets, false).stdout);
    expect(services['temporal-ui'].environment.TEMPORAL_CODEC_ENDPOINT).toBe(
      `http://localhost:8888/${secrets.CONNECTOR_CODEC_TOKEN}`,
    );
    expect(services.codec.environment).toMatchObject({
      CONNECTOR_CODEC_TOKEN: secrets.CONNECTOR_CODEC_TOKEN,
      CONNECTOR_SECRET_KEY: secrets.CONNECTOR_SECRET_KEY,
    });
    expect(services.codec.command).toEqual(['codec-server', '--host', '0.0.0.0', '--port', '8888']);
    expect(services.api.command).toEqual(['api', 'serve', '--host', '0.0.0.0', '--port', '8080']);
  });

  it('turns on the Temporal UI’s own sign-in with TEMPORAL_AUTH_* (OIDC)', () => {
    const { services } = parse(
      config({ ...secrets, TEMPORAL_AUTH_ENABLED: 'true', TEMPORAL_AUTH_CLIENT_ID: 'ui-client' }, false).stdout,
    );
    expect(services['temporal-ui'].environment).toMatchObject({
      TEMPORAL_AUTH_ENABLED: 'true',
      TEMPORAL_AUTH_TYPE: 'oidc',
      TEMPORAL_AUTH_CLIENT_ID: 'ui-client',
    });
  });

  it.each([
    ['POSTGRES_PASSWORD', 'openssl rand -hex 24'],
    ['CONNECTOR_SECRET_KEY', 'openssl rand -hex 32'],
    ['CONNECTOR_CODEC_TOKEN', 'openssl rand -hex 32'],
  ])('refuses to start without %s, saying how to make one', (name, hint) => {
    const result = config({ ...secrets, [name]: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`set ${name} (${hint})`);
  });
});
