import readline from 'node:readline';
import { Writable } from 'node:stream';
import { UserError } from '../lib/errors';

/**
 * A new secret typed by a person or handed over by a program, never as a flag value: flags land in shell history and
 * in `ps` for every user of the host. In order: CONNECTOR_LWA_CLIENT_SECRET; else a prompt that does not echo when
 * stdin is a terminal; else stdin up to its end (`pass show amazon/lwa | connector apps rotate-secret ...`).
 */
export async function readNewSecret(options: {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  prompt: NodeJS.WritableStream;
  question: string;
}): Promise<string> {
  const fromEnv = options.env.CONNECTOR_LWA_CLIENT_SECRET?.trim();
  const secret = fromEnv || (options.stdin.isTTY ? await askHidden(options) : await readAll(options.stdin));
  if (!secret || /\s/.test(secret))
    throw new UserError(
      'no new LWA client secret: type it at the prompt, pipe it on stdin (`pass show amazon/lwa | connector apps rotate-secret ...`), or set CONNECTOR_LWA_CLIENT_SECRET',
    );
  return secret;
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0].trim();
}

/** readline on a terminal, its echo sent nowhere: what is typed never shows on the screen. */
function askHidden(options: { stdin: NodeJS.ReadableStream; prompt: NodeJS.WritableStream; question: string }) {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: options.stdin, output: silent, terminal: true });
  options.prompt.write(options.question);
  return new Promise<string>((resolve, reject) => {
    // Raw mode: Ctrl-C reaches readline, not the process; without this it would pause and wait for ever.
    rl.on('SIGINT', () => {
      rl.close();
      options.prompt.write('\n');
      reject(new UserError('cancelled: no new secret was given, nothing was saved'));
    });
    rl.question('', (answer) => {
      rl.close();
      options.prompt.write('\n');
      resolve(answer.trim());
    });
  });
}
