import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb, migrateLatest, ping } from '../../db';
import { createToken, deleteRevokedToken, revokeToken, SCOPES } from '../../book/api-tokens';
import { startApiServer } from '../../servers/api';
import { keyringFromEnv } from '../../lib/secrets';
import { parseAllowedTargets } from '../../lib/webhook-target';
import { Config, ConfigError, loadConfig, temporalUiUrl } from '../../lib/config';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { UserError } from '../../lib/errors';
import { logger } from '../../lib/logger';
import { useDemoSecretKey } from '../../lib/secrets';
import { serveConnectorMetrics, temporalRuntimeMetrics } from '../../servers/metrics';
import { freePort, portIsFree, resolveTemporalCli, startDevServer } from '../../lib/temporal-cli';
import { requireCodec } from '../../lib/payload-codec';
import { clearRuntime, writeRuntime } from '../../lib/runtime';
import { startCodecServer } from '../../servers/codec-server';
import { createConnectorWorker } from '../../workers/worker';
import { applySchedules, startWebhookDeliveries } from '../../workers/schedules';
import { createDemoAccounts, isDemoBook, startDemoSqs, subscribeDemoAccounts } from '../demo';
import { firstSync } from '../first-sync';
import { followEvents } from '../live-events';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'the demo and main job: PostgreSQL, Temporal, the sandbox (unless configured), migrations, worker, schedules',
    )
    .option('--orders <n>', 'demo orders per demo account', '12')
    .option('--no-ui', 'run the Temporal dev server headless')
    .action(async (opts) => {
      const config = loadConfig();
      // Every port first, and the Temporal CLI (installed on first use), before anything starts.
      await checkPorts(config, opts.ui);
      const temporalCli = config.TEMPORAL_ADDRESS ? undefined : resolveTemporalCli({ onProgress: say });
      const stops: Array<() => Promise<void>> = [];
      const stopAll = async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      };
      // The console is the demo's summary: SDK and JSON logs only from warnings up, unless LOG_LEVEL asks for more.
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      // Temporal's own metrics on an internal port: /metrics (CONNECTOR_METRICS_PORT) serves them after ours.
      const runtimeMetrics = temporalRuntimeMetrics(await freePort());
      Runtime.install({
        shutdownSignals: [],
        logger: new DefaultLogger(process.env.LOG_LEVEL ? 'INFO' : 'WARN'),
        telemetryOptions: runtimeMetrics.telemetryOptions,
      });
      let stopping = false;
      const onSignal = () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write('\nstopping…\n');
        void stopAll().then(() => process.exit(0));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await startEverything(config, { ...opts, temporalCli, runtimeMetricsUrl: runtimeMetrics.url }, stops);
      } catch (err) {
        await stopAll();
        throw err;
      }
      await new Promise(() => {}); // runs until Ctrl-C
    });
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The codec server's line, with the endpoint to paste into another Temporal UI. A token of yours (CONNECTOR_CODEC_TOKEN)
 * is not printed, only its name; the one generated for this run is the demo's and is printed in the endpoint.
 */
export function codecServerLine(codecUrl: string, uiEndpoint: string, tokenIsYours: boolean): string {
  const paste = tokenIsYours ? `${codecUrl}/<CONNECTOR_CODEC_TOKEN>` : uiEndpoint;
  return `Codec server            ${codecUrl} (this Temporal UI decodes through it already; another UI: paste ${paste} as the codec server endpoint, data encoder icon at the top right)`;
}

/** The ports `connector start` opens, by the variable that sets each; all checked at once, before it starts anything. */
async function checkPorts(config: Config, ui: boolean): Promise<void> {
  const ports: Array<[string, number, string?]> = [];
  if (!config.DATABASE_URL) ports.push(['CONNECTOR_PG_PORT', config.CONNECTOR_PG_PORT]);
  if (!config.TEMPORAL_ADDRESS) {
    ports.push(['TEMPORAL_PORT', config.TEMPORAL_PORT]);
    if (ui)
      ports.push(['TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT], ['CONNECTOR_CODEC_PORT', config.CONNECTOR_CODEC_PORT]);
  }
  ports.push(['CONNECTOR_METRICS_PORT', config.CONNECTOR_METRICS_PORT, config.CONNECTOR_METRICS_HOST]);
  ports.push(['SANDBOX_PORT', config.SANDBOX_PORT]); // the demo's SP-API sandbox
  ports.push(['CONNECTOR_API_PORT', config.CONNECTOR_API_PORT]); // the Book API
  const problems: string[] = [];
  const named = new Map<number, string>();
  for (const [name, port, host] of ports) {
    const other = named.get(port);
    if (other) problems.push(`${other} and ${name} are both ${port}: set one to another port`);
    else if (!(await portIsFree(port, host))) problems.push(`port ${port} is taken: stop what uses it or set ${name}`);
    named.set(port, name);
  }
  if (problems.length) throw new UserError(`cannot start: ${problems.join('; ')}`);
}

async function startEverything(
  config: Config,
  opts: { orders: string; ui: boolean; temporalCli?: string; runtimeMetricsUrl: string },
  stops: Array<() => Promise<void>>,
) {
  fs.mkdirSync(config.dataDir, { recursive: true });
  // A generated key only for the demo on its own PostgreSQL: a database of yours holds credentials sealed with your key.
  let secretKeyFile: string | undefined;
  if (!process.env.CONNECTOR_SECRET_KEY) {
    if (config.DATABASE_URL) {
      const earlier = path.join(config.dataDir, 'secret.key');
      throw new ConfigError(
        'CONNECTOR_SECRET_KEY is not set: with DATABASE_URL, `connector start` uses your database and needs your key (a demo key is generated only for the embedded PostgreSQL). ' +
          (fs.existsSync(earlier)
            ? `If this database was filled by an earlier demo, its key is ${earlier}: export CONNECTOR_SECRET_KEY=$(cat ${earlier})`
            : 'Set it, e.g. `export CONNECTOR_SECRET_KEY=$(openssl rand -hex 32)` for a new database'),
      );
    }
    secretKeyFile = useDemoSecretKey(config.dataDir);
  }
  const codec = requireCodec();

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(config.dataDir, config.CONNECTOR_PG_PORT);
    stops.push(pg.stop);
    databaseUrl = pg.url;
    say(`PostgreSQL (embedded)   ${databaseUrl.replace(/:[^:@/]+@/, ':***@')} (cluster in ${pg.clusterDir})`);
  }
  const db = createDb(databaseUrl, { max: 20 });
  stops.push(() => db.destroy());
  try {
    await ping(db);
  } catch (err) {
    throw new UserError(
      `cannot reach PostgreSQL at DATABASE_URL: ${(err as Error).message}. Check host, port and credentials.`,
    );
  }
  await migrateLatest(db);

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let uiUrl: string | undefined;
  let codecUrl: string | undefined;
  let codecEndpoint: string | undefined;
  if (!temporalAddress) {
    // The UI decodes payloads through the codec server, which wants a token: the UI's endpoint carries it in its path.
    const codecServer = opts.ui
      ? await startCodecServer({
          codec,
          token: config.CONNECTOR_CODEC_TOKEN ?? crypto.randomBytes(24).toString('hex'),
          port: config.CONNECTOR_CODEC_PORT,
          origins: [`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`, `http://localhost:${config.TEMPORAL_UI_PORT}`],
          logger,
        })
      : undefined;
    if (codecServer) stops.push(() => codecServer.close());
    codecUrl = codecServer?.url;
    codecEndpoint = codecServer?.uiEndpoint;
    const server = await startDevServer({
      executable: opts.temporalCli ?? resolveTemporalCli({ onProgress: say }),
      port: config.TEMPORAL_PORT,
      uiPort: opts.ui ? config.TEMPORAL_UI_PORT : undefined,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      logFile: path.join(config.dataDir, 'temporal.log'),
      uiCodecEndpoint: codecEndpoint,
    });
    stops.push(server.stop);
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }
  say(`Temporal                ${temporalAddress}`);
  if (codecUrl && codecEndpoint) say(codecServerLine(codecUrl, codecEndpoint, !!config.CONNECTOR_CODEC_TOKEN));
  const { metrics, server: metricsServer } = await serveConnectorMetrics({
    config,
    db,
    runtimeMetricsUrl: opts.runtimeMetricsUrl,
    logger,
  });
  stops.push(metricsServer.close);
  say(`Metrics (Prometheus)    ${metricsServer.url}`);

  let sandboxUrl: string | undefined;
  let speedup = config.SPAPI_RATE_SPEEDUP;
  let notifyDemo: (() => Promise<void>) | undefined;
  if (await isDemoBook(db, `http://127.0.0.1:${config.SANDBOX_PORT}`)) {
    // ORDER_CHANGE through SQS (moto) for the demo accounts; the demo goes on without it if moto cannot run here.
    const sqs =
      config.CONNECTOR_NOTIFICATIONS === 'on'
        ? await startDemoSqs(config.dataDir).catch((err) => {
            say(`Notifications           off: ${(err as Error).message}`);
            return undefined;
          })
        : undefined;
    if (sqs) stops.push(sqs.stop);
    const demo = await createDemoAccounts(db, {
      port: config.SANDBOX_PORT,
      ordersPerAccount: Number(opts.orders),
      dataDir: config.dataDir,
    });
    stops.push(demo.close);
    sandboxUrl = demo.url;
    speedup = demo.speedup;
    say(`SP-API sandbox          ${demo.url} (demo accounts: ${demo.accountIds.join(', ')})`);
    if (sqs)
      notifyDemo = async () => {
        const queueUrl = await subscribeDemoAccounts(db, config, demo.accountIds);
        say(
          `Notifications (SQS)     ${queueUrl} (moto): ORDER_CHANGE and TRANSACTION_UPDATE of ${demo.accountIds.join(', ')}, orderSync every ${config.ORDER_SYNC_INTERVAL / 60_000} min as the safety net`,
        );
      };
  }
  // The demo's webhooks may go to a receiver on this machine (elsewhere only public addresses, unless allowed).
  if (sandboxUrl && !config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS)
    config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS = 'localhost,127.0.0.0/8,::1/128';
  writeRuntime(config, {
    databaseUrl,
    temporalAddress,
    sandboxUrl,
    uiUrl,
    codecUrl,
    metricsUrl: metricsServer.url,
    secretKeyFile,
  });
  stops.push(async () => clearRuntime(config));

  const connector = await createConnectorWorker({ config, db, temporalAddress, rateSpeedup: speedup, metrics });
  const running = connector.run();
  stops.push(async () => {
    connector.worker.shutdown();
    await running.catch(() => undefined);
    await connector.close();
  });
  await applySchedules(connector.client, db, config);
  await startWebhookDeliveries(connector.client, db, config);
  await notifyDemo?.().catch((err) => say(`Notifications           not subscribed: ${(err as Error).message}`));

  const api = await startApiServer({
    db,
    temporal: async () => connector.client,
    token: config.CONNECTOR_API_TOKEN,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: temporalUiUrl(config),
    webhooks: {
      keyring: keyringFromEnv(),
      allowed: parseAllowedTargets(config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS),
      retryForMs: config.CONNECTOR_WEBHOOK_RETRY_FOR,
    },
    port: config.CONNECTOR_API_PORT,
    logger,
  });
  stops.push(() => api.close());
  say(`Book API                ${api.url}/v1 (docs: ${api.url}/v1/docs)`);
  if (sandboxUrl) {
    // The demo's token, every scope, made anew at each start (the book keeps only a hash: the old one can't be shown).
    await revokeToken(db, { name: 'demo' }).catch(() => undefined);
    await deleteRevokedToken(db, { name: 'demo' });
    const demoToken = await createToken(db, { name: 'demo', scopes: [...SCOPES] });
    say(`  demo token (all scopes): ${demoToken.secret}`);
    say(`  try: curl -H "Authorization: Bearer ${demoToken.secret}" ${api.url}/v1/deliveries`);
  } else say('  tokens: `connector api tokens create <name> --scopes read,ship`');
  say(`Console                 ${api.url}/ (log in with ${sandboxUrl ? 'the demo token above' : 'an API token'})`);

  await firstSync({ client: connector.client, db, taskQueue: config.TEMPORAL_TASK_QUEUE, say });
  if (uiUrl) say(`Temporal UI             ${uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`);
  say('Press Ctrl-C to stop everything. What happens from now on (the event feed):');
  stops.push(await followEvents(db, say));
}
