import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { spApiModel } from '../../lib/sp-api-models';

/** Amazon's published models, vendored verbatim in lib/sp-api-models/. */
export const loadModel = (file: string): any => spApiModel(file);

const cache = new Map<string, ValidateFunction>();

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** Validator for a definition of a Swagger 2.0 model, e.g. definition('orders_2026-01-01.json', 'Order'). */
export function definition(file: string, name: string): ValidateFunction {
  const key = `${file}#${name}`;
  if (!cache.has(key)) {
    const model = loadModel(file);
    if (!model.definitions?.[name]) throw new Error(`${file} has no definition ${name}`);
    cache.set(key, newAjv().compile({ definitions: model.definitions, $ref: `#/definitions/${name}` }));
  }
  return cache.get(key)!;
}

/** Validator for the response body of an operation in a Swagger 2.0 model, by path template, method and status. */
export function response(file: string, pathTemplate: string, method: string, status: number): ValidateFunction {
  const key = `${file}#${method} ${pathTemplate} ${status}`;
  if (!cache.has(key)) {
    const model = loadModel(file);
    const op = model.paths?.[pathTemplate]?.[method.toLowerCase()];
    if (!op) throw new Error(`${file} has no operation ${method} ${pathTemplate}`);
    const schema = op.responses?.[String(status)]?.schema;
    if (!schema) throw new Error(`${file} ${method} ${pathTemplate} has no schema for status ${status}`);
    cache.set(key, newAjv().compile({ definitions: model.definitions, ...schema }));
  }
  return cache.get(key)!;
}

/** Validator for a plain JSON Schema file (the listings feed schemas). */
export function jsonSchema(file: string): ValidateFunction {
  const key = `schema:${file}`;
  if (!cache.has(key)) {
    const schema = { ...loadModel(file) };
    delete schema.$schema;
    cache.set(key, newAjv().compile(schema));
  }
  return cache.get(key)!;
}

/** Throws with ajv's messages (and the offending paths) when the value does not validate. */
export function expectValid(validate: ValidateFunction, value: unknown, what = 'value'): void {
  if (!validate(value)) {
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`${what} does not match Amazon's model:\n  ${errors.join('\n  ')}`);
  }
}
