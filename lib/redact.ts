/**
 * Secrets out of messages and logs: the password of every URL, and the values of every `*_TOKEN`, `*_KEY(S)`,
 * `*_SECRET` and `*_PASSWORD` setting. Used by the config errors, the CLI's error line and the logger.
 */
export const MASK = '***';

/** Setting names whose values are secrets: CONNECTOR_API_TOKEN, CONNECTOR_SECRET_KEY, CONNECTOR_OLD_PAYLOAD_KEYS, … */
export function isSecretSetting(name: string): boolean {
  return /(_TOKEN|_KEY|_KEYS|_SECRET|_PASSWORD)$/i.test(name);
}

/** Object keys in log lines whose values are secrets: refreshToken, clientSecret, password, CONNECTOR_SECRET_KEY, … */
export function isSecretField(name: string): boolean {
  return /(token|secret|password|passwd)s?$/i.test(name) || /([a-z0-9]Key|[_-]key|_KEY)s?$/.test(name);
}

// scheme://user:password@ — the userinfo runs to the last `@` before the path, so a password holding `@` is masked whole.
const URL_USERINFO = /(\b[a-z][\w+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#]*@/gi;
// The same inside a JSON text, where a `"` ends the string the URL is in.
const JSON_URL_USERINFO = /(\b[a-z][\w+.-]*:\/\/[^\s:/?#@"\\]*:)[^\s/?#"]*@/gi;

/** `postgres://user:s3cret@host/db` → `postgres://user:***@host/db`, wherever URLs appear in the text. */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_USERINFO, `$1${MASK}@`);
}

/**
 * A setting's value as an error may show it: secrets not at all, URLs without their password. A malformed URL is
 * masked from the first `user:` to its last `@`, since it cannot be parsed to find where the password ends.
 */
export function displaySetting(name: string, value: string | undefined): string {
  if (value === undefined) return 'unset';
  if (isSecretSetting(name)) return `${MASK} (${value.length} characters, not shown)`;
  if (/_URL$/i.test(name)) return JSON.stringify(maskUrlPasswords(value).replace(/(:\/\/[^\s:/@]*:).*@/, `$1${MASK}@`));
  return JSON.stringify(value);
}

/** The values to hide from messages: every secret setting (each key of an `id:key,…` list) and every URL's password. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretSetting(name)) {
      values.push(value);
      for (const part of value.split(/[,:]/)) values.push(part);
    } else if (/_URL$/i.test(name)) {
      const password = /:\/\/[^\s:/@]*:(.*)@/.exec(value)?.[1];
      if (password) values.push(password, encodeURIComponent(password));
    }
  }
  // Short values ("k1", "p1", "x") would mask ordinary words; real secrets are long.
  return [...new Set(values.filter((v) => v.length >= 8))].sort((a, b) => b.length - a.length);
}

// The logger masks every line it writes: it reads the environment's secrets once a second, not per line.
let cached: { at: number; values: string[] } = { at: 0, values: [] };
function currentSecretValues(): string[] {
  if (Date.now() - cached.at > 1_000) refreshSecretValues();
  return cached.values;
}

/** Re-reads the secret values from the environment now (after a key is put there, e.g. the demo's). */
export function refreshSecretValues(): void {
  cached = { at: Date.now(), values: secretValues(process.env) };
}

/**
 * Masks URL passwords and the values of secret settings in any text (an error message, a stack, a log string).
 * `env` defaults to the process environment (its secrets re-read at most once a second).
 */
export function redactText(text: string, env?: NodeJS.ProcessEnv): string {
  let out = maskUrlPasswords(text);
  for (const value of env ? secretValues(env) : currentSecretValues())
    if (out.includes(value)) out = out.split(value).join(MASK);
  return out;
}

/** A serialized log line (JSON): URL passwords and secret setting values masked, wherever they are in it. */
export function redactLogLine(line: string): string {
  let out = line.replace(JSON_URL_USERINFO, `$1${MASK}@`);
  for (const value of currentSecretValues()) if (out.includes(value)) out = out.split(value).join(MASK);
  return out;
}

/**
 * A copy of a log object with the string values of secret fields replaced (a token *count* stays a number).
 * Errors are left to pino's err serializer (their text is masked on the written line); depth is bounded.
 */
export function redactFields(value: unknown, censor = '[redacted]', depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, censor, depth + 1));
  // What JSON.stringify would write (a Decimal's "94.50"), not the instance's fields.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return redactFields((value as { toJSON(): unknown }).toJSON(), censor, depth + 1);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && typeof v === 'string' ? censor : redactFields(v, censor, depth + 1);
  }
  return out;
}
