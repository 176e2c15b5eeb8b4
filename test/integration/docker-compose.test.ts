import { spawnSync } from 'child_process';
import path from 'path';

const root = path.resolve(__dirname, '../..');

/** docker-compose v1 (Debian's package) or the compose plugin validates the file without a Docker engine. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  return undefined;
}

const compose = composeCommand();
const run = (env: Record<string, string>) =>
  spawnSync(compose![0], [...compose!.slice(1), '-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: root,
  });

describe('docker-compose.yml', () => {
  if (!compose) {
    it('cannot be validated here: neither docker-compose nor docker compose is installed (apt-get install docker-compose)', () => {
      console.warn('skipping docker-compose validation: no docker-compose or docker compose on this machine');
    });
    return;
  }

  it('is a valid compose file (PostgreSQL, Temporal persisting to it, the UI, the worker)', () => {
    const result = run({ CONNECTOR_SECRET_KEY: 'ab'.repeat(32) });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses to start without CONNECTOR_SECRET_KEY, saying how to make one', () => {
    const result = run({ CONNECTOR_SECRET_KEY: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('openssl rand -hex 32');
  });
});
