import fs from 'node:fs';
import path from 'node:path';

/**
 * Amazon's published models and schemas, vendored verbatim in this folder (README.md: upstream path, commit and blob
 * id of each; test/unit/sp-api-models.test.ts checks the blob ids). Found from the repository root, so the same path
 * serves ts-node, jest and dist/. SP_API_MODELS_DIR points elsewhere, e.g. at a newer copy.
 */
export function spApiModelsDir(): string {
  if (process.env.SP_API_MODELS_DIR) return process.env.SP_API_MODELS_DIR;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'lib', 'sp-api-models');
}

const loaded = new Map<string, unknown>();

/** One model file, parsed once per process. */
export function spApiModel<T = any>(file: string): T {
  if (!loaded.has(file)) {
    const full = path.join(spApiModelsDir(), file);
    if (!fs.existsSync(full)) throw new Error(`${full} is missing: Amazon's model ${file} ships in lib/sp-api-models/`);
    loaded.set(file, JSON.parse(fs.readFileSync(full, 'utf8')));
  }
  return loaded.get(file) as T;
}

/** The values Amazon's model allows for an array parameter of an operation (e.g. `includedData`). */
export function parameterEnum(file: string, apiPath: string, method: string, name: string): string[] {
  const operation = spApiModel(file).paths?.[apiPath]?.[method];
  const parameter = operation?.parameters?.find((p: { name?: string }) => p.name === name);
  const values = parameter?.items?.enum ?? parameter?.schema?.items?.enum;
  if (!Array.isArray(values)) throw new Error(`${file} has no enum for ${method.toUpperCase()} ${apiPath} ${name}`);
  return values;
}
