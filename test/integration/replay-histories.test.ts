import fs from 'fs';
import path from 'path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../lib/payload-codec';
import { TEST_SECRET_KEY } from '../support/harness';

/**
 * The determinism guard: every recorded history (test/histories/*.json) is replayed with the workflow bundle of this
 * run. A workflow change that would make running orders fail on their next task (a command added, removed or
 * reordered without patched()) fails here, in CI, instead of in production.
 */
const DIR = path.join(__dirname, '../histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/**
 * JSON → History with the protobufjs that @temporalio/proto is built with. The SDK's own historyFromJSON uses another
 * copy of protobufjs when npm nests one per @temporalio package (grpc-js keeps protobufjs 7 at the top), and then
 * fails with "type must be a Type".
 */
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] }),
);
const historyType = (patchProtobufRoot(proto) as any).lookupType('temporal.api.history.v1.History');
const load = (file: string) =>
  protojson.fromJson(historyType, JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')), {
    ignoreUnknownFields: true,
  });

describe('recorded workflow histories replay with the current workflow code', () => {
  it('has recorded histories of every workflow type the worker runs', () => {
    const types = new Set(
      files.map(
        (f) =>
          JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes
            .workflowType.name,
      ),
    );
    expect([...types].sort()).toEqual(
      expect.arrayContaining(['fbaStockSync', 'financeSync', 'order', 'orderSync', 'stockSync', 'webhookDelivery']),
    );
  });

  it('replays each history without a nondeterminism error', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: load(f) }));
    const results: Array<{ history: string; error: string | null }> = [];
    // The recordings' payloads are sealed with the harness's test key: the replay decodes them as a worker would.
    const replay = Worker.runReplayHistories(
      {
        workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
        dataConverter: createDataConverter({ CONNECTOR_SECRET_KEY: TEST_SECRET_KEY }),
      },
      histories,
    );
    for await (const result of replay)
      results.push({
        history: result.workflowId,
        error: result.error ? String(result.error.message ?? result.error) : null,
      });
    expect(results).toEqual(histories.map((h) => ({ history: h.workflowId, error: null })));
  });
});
