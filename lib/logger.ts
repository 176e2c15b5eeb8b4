import pino from 'pino';
import { redactFields, redactLogLine } from './redact';

/** Paths that may hold buyer PII or credentials: never written to a log line. */
export const REDACTED_PATHS = [
  '*.buyerName',
  '*.buyerEmail',
  '*.name',
  '*.addressLine1',
  '*.addressLine2',
  '*.addressLine3',
  '*.phone',
  '*.street',
  '*.street2',
  '*.street3',
  '*.refreshToken',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  'headers["x-amz-access-token"]',
];

/**
 * Beyond those paths, lib/redact.ts masks every line: fields named like a secret (`*Token`, `*_KEY`, `*Secret`,
 * `password`), then, on the written line, URL passwords and the values of secret settings wherever they appear (the
 * message, an error's stack, a child logger's bindings).
 */
export const loggerOptions: pino.LoggerOptions = {
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'amazon-connector' },
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { log: (object) => redactFields(object) as Record<string, unknown> },
  hooks: { streamWrite: redactLogLine },
};

export const logger = pino(loggerOptions);

export type Logger = pino.Logger;
