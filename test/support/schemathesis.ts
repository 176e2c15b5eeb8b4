import { spawn } from 'child_process';
import { PypiTool, resolvePypiTool } from '../../lib/pypi-tool';

/** schemathesis (PyPI): property-based tests of an API from its OpenAPI document alone. .ci/run installs the same pin. */
export const SCHEMATHESIS: PypiTool = {
  name: 'schemathesis',
  packages: ['schemathesis==4.32.5'],
  modules: ['schemathesis.cli'],
};

export interface SchemathesisRun {
  exitCode: number | null;
  /** stdout and stderr, in the order written: schemathesis's report names each failing operation and its request. */
  output: string;
}

/**
 * `st run <args>`, asynchronously: the API under test answers from this same process, so its event loop must stay free
 * (spawnSync would deadlock it).
 */
export function runSchemathesis(
  args: string[],
  options: { timeoutMs: number; cwd?: string },
): Promise<SchemathesisRun> {
  const pythonPath = resolvePypiTool(SCHEMATHESIS);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'schemathesis.cli', 'run', '--no-color', ...args], {
      cwd: options.cwd,
      env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', SCHEMATHESIS_HOOKS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output });
    });
  });
}
