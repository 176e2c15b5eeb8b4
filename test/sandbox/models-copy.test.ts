import fs from 'fs';
import path from 'path';
import { MODELS_DIR } from '../support/models';

/** The sandbox ships the one schema it needs at run time; it must stay byte-identical to Amazon's (shared/) copy. */
test("sandbox/models/listings-feed-schema-v2.json is Amazon's file, unchanged", () => {
  const shipped = fs.readFileSync(path.join(__dirname, '../../sandbox/models/listings-feed-schema-v2.json'));
  const amazons = fs.readFileSync(path.join(MODELS_DIR, 'listings-feed-schema-v2.json'));
  expect(shipped.equals(amazons)).toBe(true);
});
