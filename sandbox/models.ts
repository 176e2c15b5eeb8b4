import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { spApiModel } from '../lib/sp-api-models';

/** Amazon's published JSON schemas: the sandbox validates feeds with Amazon's own schema, not a retelling of it. */

let listingsFeed: ValidateFunction | undefined;

/** The validator of a JSON_LISTINGS_FEED document (listings-feed-schema-v2.json). */
export function listingsFeedValidator(): ValidateFunction {
  if (!listingsFeed) {
    const schema = { ...spApiModel('listings-feed-schema-v2.json') };
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    listingsFeed = ajv.compile(schema);
  }
  return listingsFeed;
}
