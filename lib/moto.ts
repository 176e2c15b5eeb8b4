import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import { UserError } from './errors';
import { PypiTool, resolvePypiTool, toolDir } from './pypi-tool';
import { freePort, portIsFree, stopper } from './temporal-cli';

/**
 * moto's server mode: a real SQS-compatible server (the AWS protocol @aws-sdk/client-sqs speaks) for tests and the demo.
 * Installed project-locally under .tools/moto from PyPI on first use, run with PYTHONPATH. Only the SQS backend and the
 * server's Flask parts are installed: `moto[server]` would pull every service's dependencies (about 290 MB, not 115).
 */

export const MOTO: PypiTool = {
  name: 'moto',
  packages: ['moto[sqs]==5.2.5', 'flask==3.1.3', 'flask-cors==6.0.5'],
  modules: ['moto.server', 'flask', 'flask_cors'],
};
export const MOTO_DIR = toolDir(MOTO);
/** moto's default account: the queues it creates have ARNs arn:aws:sqs:<region>:123456789012:<name>. */
export const MOTO_ACCOUNT_ID = '123456789012';

/** The folder to put on PYTHONPATH to run moto's server: .tools/moto, installed from PyPI when missing. */
export const resolveMoto = (options: { install?: boolean } = {}): string => resolvePypiTool(MOTO, options);

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The AWS SDK's standard settings that point a client (the connector's consumer, the sandbox's publisher) here. */
  env: {
    AWS_ENDPOINT_URL_SQS: string;
    AWS_REGION: string;
    AWS_ACCESS_KEY_ID: string;
    AWS_SECRET_ACCESS_KEY: string;
  };
  process: ChildProcess;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts `python3 -m moto.server` on 127.0.0.1 (a free port unless given) and waits until it answers. */
export async function startMoto(
  options: { port?: number; region?: string; logFile?: string; install?: boolean } = {},
): Promise<MotoServer> {
  const pythonPath = resolveMoto({ install: options.install });
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && !(await portIsFree(port))) {
    throw new UserError(`port ${port} is already taken: stop what uses it, or choose another port for moto`);
  }
  const out = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', out, out],
  });
  if (typeof out === 'number') fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child, 5_000);
  const deadline = Date.now() + 30_000;
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new UserError(`moto exited with code ${child.exitCode} before answering`);
    if (Date.now() > deadline) {
      await stop();
      throw new UserError(`moto did not answer on ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    env: {
      AWS_ENDPOINT_URL_SQS: url,
      AWS_REGION: options.region ?? 'us-east-1',
      // moto accepts any credentials; the SDK's default chain needs some.
      AWS_ACCESS_KEY_ID: 'moto',
      AWS_SECRET_ACCESS_KEY: 'moto',
    },
    process: child,
    stop,
  };
}
