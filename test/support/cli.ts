import { CommanderError } from 'commander';
import { buildProgram } from '../../cli/main';

export interface CliResult {
  stdout: string;
  stderr: string;
  /** The one-line error a user would see (`connector: <message>`), if the command failed. */
  error?: string;
  /** The error the command threw, for its type (`UserError`, `ConfigError`, ...). */
  thrown?: Error;
  /** The exit code the command set for a finished run (`products import` with refused rows: 1); 0 if none. */
  exitCode: number;
  json: any;
}

/** A command still running: what it printed so far, and its result once it ends. */
export interface CliRun {
  /** Everything written so far (`accounts link` prints its consent URL on stderr while it waits). */
  output(): { stdout: string; stderr: string };
  /** The first match of `pattern` in stdout or stderr, as soon as it is printed; rejects if the command ends first. */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
  done: Promise<CliResult>;
}

/**
 * Starts `connector <args>` in-process with the whole program (cli/main.ts), with env overrides for the run, capturing
 * what it prints. Commands open and close their own database and Temporal connections, as from a shell.
 */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const savedExitCode = process.exitCode;
  process.exitCode = 0;
  let stdout = '';
  let stderr = '';
  const onWrite = new Set<() => void>();
  const written = () => onWrite.forEach((check) => check());
  const out = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: any) => ((stdout += String(chunk)), written(), true));
  const err = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: any) => ((stderr += String(chunk)), written(), true));
  const done = buildProgram()
    .parseAsync(args, { from: 'user' })
    .then(
      () => undefined,
      (e: Error) => e,
    )
    .then((thrown): CliResult => {
      out.mockRestore();
      err.mockRestore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      const exitCode = Number(process.exitCode ?? 0);
      process.exitCode = savedExitCode;
      const error = thrown && (thrown instanceof CommanderError ? stderr.trim() || thrown.message : thrown.message);
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      return { stdout, stderr, error, thrown, exitCode, json };
    });
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout) ?? pattern.exec(stderr);
        if (match && onWrite.delete(check)) resolve(match);
      };
      onWrite.add(check);
      check();
      void done.then((result) => {
        if (onWrite.delete(check)) reject(new Error(`ended without printing ${pattern}: ${JSON.stringify(result)}`));
      });
    });
  return { output: () => ({ stdout, stderr }), printed, done };
}

/** Runs `connector <args>` to its end: see startCli. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
