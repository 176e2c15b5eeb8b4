import { z } from 'zod';
import fs from 'fs';
import path from 'path';
import { displaySetting } from './redact';

/** A bad setting: names the variable and how to fix it. Printed as one line by the CLI. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 30s, 5m, 6h or 30d')
  .transform(parseDuration);

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new ConfigError(`"${text}" is not a duration: use a number and a unit, like 30s, 5m, 6h or 30d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const PORT = 'a port number from 1 to 65535';
const port = z.coerce.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT);

const bearerToken = z.string().regex(/^\S+$/, 'a token without spaces, like the output of openssl rand -hex 32');

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'a URL like postgres://user@127.0.0.1:5432/db')
    .optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'host:port, like 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('amazon-connector'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Where people open the Temporal Web UI (links from the API and the console); default the dev server's. */
  TEMPORAL_UI_URL: z.url({ error: 'a URL like https://temporal.example.com' }).optional(),
  TEMPORAL_CLI: z.string().optional(),
  // Temporal's own client variables (the `temporal` CLI reads the same): TLS, and mTLS with a client certificate.
  TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  CONNECTOR_DATA_DIR: z.string().optional(),
  CONNECTOR_SECRET_KEY: z.string().optional(),
  CONNECTOR_SECRET_KEY_ID: z
    .string()
    .regex(/^[\w-]{1,32}$/, 'letters, digits, - or _')
    .default('k1'),
  CONNECTOR_OLD_SECRET_KEYS: z.string().default(''),
  CONNECTOR_API_TOKEN: bearerToken.optional(),
  CONNECTOR_API_PORT: port.default(8080),
  CONNECTOR_CODEC_PORT: port.default(8888),
  CONNECTOR_CODEC_TOKEN: bearerToken.optional(),
  CONNECTOR_METRICS_PORT: port.default(9464),
  CONNECTOR_METRICS_HOST: z
    .string()
    .regex(/^[\w.-]+$|^\[?[\da-fA-F:]+\]?$/, 'an address to listen on, like 127.0.0.1, or 0.0.0.0 for every interface')
    .default('127.0.0.1'),
  CONNECTOR_PG_PORT: port.default(5488),
  SANDBOX_PORT: port.default(8700),
  SPAPI_RATE_SPEEDUP: z.coerce
    .number({ error: 'a number of 0 or more: 1 against Amazon, 60 against a sandbox in x60 mode' })
    .min(0, 'a number of 0 or more: 1 against Amazon, 60 against a sandbox in x60 mode')
    .default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ORDER_SYNC_INTERVAL: duration.default(5 * 60_000),
  ORDER_SYNC_OVERLAP: duration.default(10 * 60_000),
  STOCK_SYNC_INTERVAL: duration.default(15 * 60_000),
  FBA_STOCK_SYNC_INTERVAL: duration.default(6 * 3_600_000),
  FINANCE_SYNC_INTERVAL: duration.default(86_400_000),
  /** Amazon's financial events may lag 48 hours: each finance sync reads again this far before its cursor. */
  FINANCE_SYNC_OVERLAP: duration.default(72 * 3_600_000),
  /** How far back an account's first finance sync reads (without --since). */
  FINANCE_SYNC_LOOKBACK: duration.default(30 * 86_400_000),
  SHIP_RISK_MARGIN: duration.default(12 * 3_600_000),
  PII_RETENTION: duration.default(30 * 86_400_000),
  /** Hosts and CIDRs webhooks may reach although private, loopback or link-local: `127.0.0.1/32,wms.internal`. */
  CONNECTOR_WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  /** How long a failing webhook endpoint is retried before it is disabled. */
  CONNECTOR_WEBHOOK_RETRY_FOR: duration.default(3 * 86_400_000),
  FEED_POLL_INTERVAL: duration.default(60_000),
  /** The worker's SQS consumer of ORDER_CHANGE notifications, for every account with a subscription (docs/notifications.md). */
  CONNECTOR_NOTIFICATIONS: z.enum(['on', 'off'], { error: 'on or off' }).default('on'),
  /** SQS long-poll wait of the consumer, 1s to 20s. */
  CONNECTOR_NOTIFICATIONS_WAIT: duration
    .refine((ms) => ms >= 1000 && ms <= 20_000, 'a duration from 1s to 20s (SQS long polling)')
    .default(20_000),
});

export type Config = z.infer<typeof schema> & { dataDir: string };

/** Reads the environment once per call; every setting is documented in README.md. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    // Never the value of a token or key, nor a URL's password: the line ends up in terminals and CI logs.
    throw new ConfigError(
      `${name}=${displaySetting(name, env[name])} is invalid: expected ${issue.message}. Fix or unset ${name}.`,
    );
  }
  const dataDir = parsed.data.CONNECTOR_DATA_DIR
    ? path.resolve(parsed.data.CONNECTOR_DATA_DIR)
    : path.join(checkoutDir(), '.data');
  return { ...parsed.data, dataDir };
}

/**
 * The folder of the connector's package.json (from lib/ in source, dist/lib/ when built): `.data` lives there by
 * default, so every command finds the running demo's runtime info whatever the current directory.
 */
function checkoutDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** The Temporal Web UI's base URL: TEMPORAL_UI_URL, else the dev server `connector start` runs. */
export function temporalUiUrl(config: Config): string {
  return (config.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`).replace(/\/$/, '');
}
