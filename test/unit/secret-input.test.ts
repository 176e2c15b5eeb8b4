import { PassThrough } from 'node:stream';
import { readNewSecret } from '../../cli/secret-input';

/** `connector apps rotate-secret` takes the new secret from the environment, a silent prompt or stdin: never a flag. */
function streams(input: string, tty: boolean) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  let shown = '';
  const prompt = new PassThrough();
  prompt.on('data', (chunk) => (shown += String(chunk)));
  setImmediate(() => stdin.end(input));
  return { stdin, prompt, shown: () => shown };
}

describe('readNewSecret', () => {
  it('takes CONNECTOR_LWA_CLIENT_SECRET first, without reading stdin', async () => {
    const s = streams('from-stdin\n', false);
    const env = { CONNECTOR_LWA_CLIENT_SECRET: ' amzn1.oa2-cs.v1.env ' };
    expect(await readNewSecret({ env, ...s, question: 'new secret: ' })).toBe('amzn1.oa2-cs.v1.env');
  });

  it('reads the first line of a pipe', async () => {
    const s = streams('amzn1.oa2-cs.v1.piped\nignored\n', false);
    expect(await readNewSecret({ env: {}, ...s, question: 'new secret: ' })).toBe('amzn1.oa2-cs.v1.piped');
    expect(s.shown()).toBe('');
  });

  it('asks on a terminal and never echoes what is typed', async () => {
    const s = streams('amzn1.oa2-cs.v1.typed\r\n', true);
    expect(await readNewSecret({ env: {}, ...s, question: 'new secret: ' })).toBe('amzn1.oa2-cs.v1.typed');
    expect(s.shown()).toBe('new secret: \n');
  });

  it('Ctrl-C at the prompt cancels in one line', async () => {
    const s = streams('\u0003', true);
    await expect(readNewSecret({ env: {}, ...s, question: 'new secret: ' })).rejects.toThrow(
      /^cancelled: no new secret was given, nothing was saved$/,
    );
  });

  it('nothing, or a value with spaces, is one line saying where the secret can come from', async () => {
    for (const input of ['', 'two words\n']) {
      await expect(readNewSecret({ env: {}, ...streams(input, false), question: '' })).rejects.toThrow(
        /^no new LWA client secret: type it at the prompt, pipe it on stdin .* or set CONNECTOR_LWA_CLIENT_SECRET$/,
      );
    }
  });
});
