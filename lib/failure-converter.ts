import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into the encoded (encrypted) attributes, so an error that mentions a buyer
 * never lands in clear in Temporal's storage. Loaded by path: it runs inside the workflow sandbox too.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
