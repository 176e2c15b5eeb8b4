/** A mistake the user can fix (bad flag, unknown id): printed as one line without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}
