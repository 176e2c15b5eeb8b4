import fs from 'fs';
import type { TLSConfig } from '@temporalio/client';
import { Config, ConfigError } from './config';

function readPem(name: string, file: string): Buffer {
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(
      `${name}=${file} cannot be read (${(err as NodeJS.ErrnoException).code}): set it to a PEM file`,
    );
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(`${name}=${file} is not a PEM file (no -----BEGIN line)`);
  return pem;
}

/**
 * TLS to the Temporal frontend, for the worker and the CLI alike. mTLS with TEMPORAL_TLS_CLIENT_CERT_PATH and
 * TEMPORAL_TLS_CLIENT_KEY_PATH; TLS without a client certificate with TEMPORAL_TLS=true or a server CA; none by default
 * or with TEMPORAL_TLS=false.
 */
export function temporalTls(config: Config): TLSConfig | undefined {
  const certPath = config.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = config.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = config.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const serverName = config.TEMPORAL_TLS_SERVER_NAME;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    const missing = certPath ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    throw new ConfigError(
      `${missing} is not set: mTLS needs both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH`,
    );
  }
  if (config.TEMPORAL_TLS === 'false') return undefined;
  if (config.TEMPORAL_TLS !== 'true' && !certPath && !caPath && !serverName) return undefined;
  return {
    ...(serverName && { serverNameOverride: serverName }),
    ...(caPath && { serverRootCACertificate: readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath) }),
    ...(certPath &&
      keyPath && {
        clientCertPair: {
          crt: readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath),
          key: readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath),
        },
      }),
  };
}
