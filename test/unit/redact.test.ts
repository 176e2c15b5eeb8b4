import { Writable } from 'stream';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../lib/config';
import { loggerOptions } from '../../lib/logger';
import { maskUrlPasswords, redactText, refreshSecretValues } from '../../lib/redact';
import { main } from '../../cli/main';

/** No secret in an error or a log line: URL passwords, and the values of *_TOKEN, *_KEY(S), *_SECRET settings. */
describe('secrets are masked in config errors, CLI errors and logs', () => {
  const PASSWORD = 'hunter2-Pa55word';

  it('masks the password of every URL in a text, even one holding @ or :', () => {
    expect(maskUrlPasswords(`connect to postgres://connector:${PASSWORD}@db:5432/book failed`)).toBe(
      'connect to postgres://connector:***@db:5432/book failed',
    );
    expect(maskUrlPasswords('postgres://u:p@ss:w@rd@host/db and https://example.com/x@y')).toBe(
      'postgres://u:***@host/db and https://example.com/x@y',
    );
    expect(maskUrlPasswords('postgres://user@host/db')).toBe('postgres://user@host/db');
  });

  it('a malformed DATABASE_URL is named without its password', () => {
    const url = `postgres://connector:${PASSWORD}@db host:5432/book`;
    const load = () => loadConfig({ DATABASE_URL: url });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^DATABASE_URL="postgres:\/\/connector:\*\*\*@db host:5432\/book" is invalid/);
    expect(() => load()).not.toThrow(new RegExp(PASSWORD));
  });

  it.each(['CONNECTOR_API_TOKEN', 'CONNECTOR_CODEC_TOKEN'])('a malformed %s is named without its value', (name) => {
    const token = 'my very secret token';
    const load = () => loadConfig({ [name]: token });
    expect(load).toThrow(`${name}=*** (20 characters, not shown) is invalid: expected a token without spaces`);
    let message = '';
    try {
      load();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('secret');
  });

  it('masks the values of secret settings wherever a message quotes them', () => {
    const env = { CONNECTOR_API_TOKEN: 'tok-1234567890', CONNECTOR_OLD_SECRET_KEYS: `k1:${'ab'.repeat(32)}` };
    expect(redactText(`token tok-1234567890 and key ${'ab'.repeat(32)} refused`, env)).toBe(
      'token *** and key *** refused',
    );
    // Short values ("k1") are not secrets and stay readable.
    expect(redactText('key k1 refused', env)).toBe('key k1 refused');
  });

  it("the CLI's error line masks a URL's password that an error quotes", async () => {
    let stderr = '';
    const savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none'; // never reached: the flag is refused first
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((c: any) => ((stderr += String(c)), true));
    try {
      await main(['node', 'connector', 'marketplaces', 'list', '--region', `http://u:${PASSWORD}@h/x`]);
    } finally {
      spy.mockRestore();
      process.exitCode = 0;
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
    expect(stderr).toContain('http://u:***@h/x');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain(PASSWORD);
  });

  it('log lines carry no secret field, URL password or secret setting value, in fields, messages or errors', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const saved = process.env.CONNECTOR_CODEC_TOKEN;
    process.env.CONNECTOR_CODEC_TOKEN = 'codec-token-value-42';
    refreshSecretValues();
    try {
      const log = pino({ ...loggerOptions, level: 'info' }, out).child({
        databaseUrl: `postgres://u:${PASSWORD}@h/db`,
      });
      log.info(
        {
          apiToken: 'tok-abc',
          CONNECTOR_SECRET_KEY: 'ab'.repeat(32),
          payloadKey: 'cd'.repeat(32),
          password: 'pw-123',
          tokens: 3, // a rate limiter's bucket: a count, not a secret
          nested: { clientSecret: 'cs-xyz', url: `https://u:${PASSWORD}@api/x` },
        },
        `connecting to postgres://u:${PASSWORD}@h/db with codec-token-value-42`,
      );
      log.error({ err: new Error(`refused by postgres://u:${PASSWORD}@h/db`) }, 'failed');
    } finally {
      process.env.CONNECTOR_CODEC_TOKEN = saved;
      if (saved === undefined) delete process.env.CONNECTOR_CODEC_TOKEN;
    }
    const text = lines.join('');
    for (const secret of [
      PASSWORD,
      'tok-abc',
      'ab'.repeat(32),
      'cd'.repeat(32),
      'pw-123',
      'cs-xyz',
      'codec-token-value-42',
    ])
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({ apiToken: '[redacted]', tokens: 3, databaseUrl: 'postgres://u:***@h/db' });
    expect(first.msg).toBe('connecting to postgres://u:***@h/db with ***');
    expect(second.err.message).toBe('refused by postgres://u:***@h/db');
  });
});
