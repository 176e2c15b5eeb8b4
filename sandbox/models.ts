import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Amazon's published JSON schemas: the sandbox validates feeds with Amazon's own schema, not a retelling of it. The
 * one it needs at run time is kept verbatim in sandbox/models/ (SP_API_MODELS_DIR overrides, e.g. with a newer copy).
 */

function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function modelsDir(): string {
  return process.env.SP_API_MODELS_DIR ?? path.join(repositoryRoot(), 'sandbox', 'models');
}

let listingsFeed: ValidateFunction | undefined;

/** The validator of a JSON_LISTINGS_FEED document (listings-feed-schema-v2.json). */
export function listingsFeedValidator(): ValidateFunction {
  if (!listingsFeed) {
    const file = path.join(modelsDir(), 'listings-feed-schema-v2.json');
    if (!fs.existsSync(file)) {
      throw new Error(
        `${file} is missing: the sandbox needs Amazon's listings feed schema (set SP_API_MODELS_DIR to the models folder)`,
      );
    }
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    listingsFeed = ajv.compile(schema);
  }
  return listingsFeed;
}
