import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { Harness, startHarness } from '../support/harness';
import { US } from '../support/orders';

/** An orderSync for an account the book does not know fails at once, naming it: retrying cannot make it exist. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    accounts: [{ id: 'known-us', sellerId: 'A9KNOWN000001', region: 'na', marketplaceIds: [US] }],
  });
});
afterAll(async () => {
  await h?.close();
});

it('fails with UnknownAccount on its first attempt, not retried for ever', async () => {
  const started = Date.now();
  const run = h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `order-sync:nobody:${started}`,
    args: [{ accountId: 'nobody' }],
  });
  const err = await run.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const activity = (err as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  // The retry policy names the class non-retryable: Temporal stopped after the first attempt.
  expect((activity as ActivityFailure).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
  const cause = (activity as ActivityFailure).cause as ApplicationFailure;
  expect(cause.type).toBe('UnknownAccount');
  expect(cause.message).toMatch(/nobody/);
  // One attempt: the retry policy's backoff would have added seconds per attempt.
  expect(Date.now() - started).toBeLessThan(15_000);
});
