import { CommanderError } from 'commander';
import { buildProgram } from '../../cli/main';

export interface CliResult {
  stdout: string;
  stderr: string;
  /** The one-line error a user would see (`connector: <message>`), if the command failed. */
  error?: string;
  json: any;
}

/**
 * Runs `connector <args>` in-process with the whole program (cli/main.ts), with env overrides for the run, capturing
 * what it prints. Commands open and close their own database and Temporal connections, as from a shell.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => ((stderr += String(chunk)), true));
  let error: string | undefined;
  try {
    await buildProgram().parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e instanceof CommanderError ? stderr.trim() || e.message : (e as Error).message;
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { stdout, stderr, error, json };
}
