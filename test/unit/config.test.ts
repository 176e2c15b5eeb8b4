import os from 'os';
import path from 'path';
import { ConfigError, loadConfig } from '../../lib/config';

describe('loadConfig', () => {
  it('reads the server settings, with their documented defaults when unset', () => {
    expect(loadConfig({})).toMatchObject({
      CONNECTOR_METRICS_PORT: 9464,
      CONNECTOR_METRICS_HOST: '127.0.0.1',
      CONNECTOR_PG_PORT: 5488,
      SPAPI_RATE_SPEEDUP: 1,
    });
    expect(loadConfig({}).CONNECTOR_CODEC_TOKEN).toBeUndefined();
    expect(
      loadConfig({
        CONNECTOR_METRICS_HOST: '0.0.0.0',
        CONNECTOR_CODEC_TOKEN: 'c0dec-t0ken',
        CONNECTOR_PG_PORT: '15488',
        SPAPI_RATE_SPEEDUP: '60',
      }),
    ).toMatchObject({
      CONNECTOR_METRICS_HOST: '0.0.0.0',
      CONNECTOR_CODEC_TOKEN: 'c0dec-t0ken',
      CONNECTOR_PG_PORT: 15488,
      SPAPI_RATE_SPEEDUP: 60,
    });
  });

  it.each([
    ['CONNECTOR_METRICS_PORT', 'abc', 'a port number from 1 to 65535'],
    ['CONNECTOR_PG_PORT', '70000', 'a port number from 1 to 65535'],
    ['CONNECTOR_METRICS_HOST', 'http://0.0.0.0', 'an address to listen on, like 127.0.0.1'],
    ['SPAPI_RATE_SPEEDUP', 'fast', 'a number of 0 or more'],
    ['SPAPI_RATE_SPEEDUP', '-1', 'a number of 0 or more'],
  ])('refuses %s=%s in one line naming the variable, what it expects and the fix', (name, value, expected) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`${name}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    expect(load).toThrow(`. Fix or unset ${name}.`);
  });
});

describe('the data folder', () => {
  it("is the checkout's .data whatever the current directory, so every command finds the running demo", () => {
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      expect(loadConfig({}).dataDir).toBe(path.resolve(__dirname, '../../.data'));
      expect(loadConfig({ CONNECTOR_DATA_DIR: 'elsewhere' }).dataDir).toBe(path.join(process.cwd(), 'elsewhere'));
    } finally {
      process.chdir(cwd);
    }
  });
});
