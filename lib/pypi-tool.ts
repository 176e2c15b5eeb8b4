import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { UserError } from './errors';
import { PROJECT_ROOT } from './temporal-cli';

/**
 * A Python tool from PyPI installed project-locally under .tools/<name> (pip --target) and run with PYTHONPATH: moto
 * (lib/moto.ts), schemathesis (the API fuzz). Nothing goes into the system's site-packages.
 */
export interface PypiTool {
  /** The folder under .tools/. */
  name: string;
  /** pip requirements, pinned. */
  packages: string[];
  /** Python modules that must import for the install to count (checked with -S: only the folder itself). */
  modules: string[];
}

export const toolDir = (tool: PypiTool): string => path.join(PROJECT_ROOT, '.tools', tool.name);

const howToInstall = (tool: PypiTool) =>
  `Install it with \`python3 -m pip install --target .tools/${tool.name} ${tool.packages.map((p) => `'${p}'`).join(' ')}\`.`;

function importable(tool: PypiTool, dir: string): boolean {
  const result = spawnSync('python3', ['-S', '-c', `import ${tool.modules.join(', ')}`], {
    env: { ...process.env, PYTHONPATH: dir },
    timeout: 30_000,
  });
  return result.status === 0;
}

/**
 * The folder to put on PYTHONPATH to run the tool, installed from PyPI when missing (into a temporary folder renamed at
 * the end, so a concurrent or interrupted install never leaves half a package).
 */
export function resolvePypiTool(tool: PypiTool, options: { install?: boolean } = {}): string {
  const dir = toolDir(tool);
  if (fs.existsSync(dir) && importable(tool, dir)) return dir;
  if (options.install === false) throw new UserError(`${tool.name} is not installed in ${dir}. ${howToInstall(tool)}`);
  const staging = `${dir}.install-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', staging, ...tool.packages],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (pip.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new UserError(
      `could not install ${tool.name} (${(pip.stderr || pip.stdout || '').trim().split('\n').pop()}). ${howToInstall(tool)}`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(staging, dir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another process installed it first
  }
  if (!importable(tool, dir)) throw new UserError(`${tool.name} in ${dir} does not import. ${howToInstall(tool)}`);
  return dir;
}
