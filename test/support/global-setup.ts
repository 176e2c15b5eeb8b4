import fs from 'fs';
import os from 'os';
import path from 'path';
import knexFactory from 'knex';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort, resolveTemporalCli, startDevServer } from '../../lib/temporal-cli';
import { createDb, migrateLatest } from '../../db';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec';

/**
 * Once per `npm test`: one Temporal dev server, one workflow bundle, one migrated template database.
 * Test files clone the template (test/support/db.ts) and connect to the server (test/support/temporal.ts).
 */
export default async function globalSetup(): Promise<void> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-test-'));
  process.env.CONNECTOR_TEST_RUN_DIR = runDir;
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const template = `connector_tpl_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`DROP DATABASE IF EXISTS ${template}`);
  await admin.raw(`CREATE DATABASE ${template}`);
  await admin.destroy();
  const templateUrl = withDatabase(adminUrl, template);
  const db = createDb(templateUrl, { max: 1 });
  await migrateLatest(db);
  await db.destroy();
  process.env.TEST_DATABASE_ADMIN_URL = adminUrl;
  process.env.TEST_DATABASE_TEMPLATE = template;

  const needsTemporal = process.env.TEST_WITHOUT_TEMPORAL !== '1';
  if (needsTemporal) {
    const executable = resolveTemporalCli();
    process.env.TEMPORAL_CLI = executable;
    const server = await startDevServer({
      executable,
      port: await freePort(),
      logFile: path.join(runDir, 'temporal.log'),
    });
    (globalThis as any).__temporalServer = server;
    process.env.TEMPORAL_TEST_ADDRESS = server.address;

    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as any,
    });
    const bundlePath = path.join(runDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
