import pino from 'pino';

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

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'amazon-connector' },
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = pino.Logger;
