import os from 'node:os';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';

/**
 * Chromium for the console's browser tests: Playwright's own download is not reachable here, so playwright-core drives
 * the system's Chromium (Debian's `chromium` package; .ci/run installs it when missing). CHROMIUM_PATH overrides.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c!)) return c!;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no Chromium found: apt-get install -y chromium, or set CHROMIUM_PATH');
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root (CI containers) Chromium refuses its sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * Where the browser tests save their screenshots: docs/console/ (shown in the README) when UPDATE_SCREENSHOTS=1, else
 * the run's own folder, so a plain `npm test` leaves the checkout unchanged.
 */
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(__dirname, '../../docs/console')
    : path.join(process.env.CONNECTOR_TEST_RUN_DIR ?? os.tmpdir(), 'screenshots');
