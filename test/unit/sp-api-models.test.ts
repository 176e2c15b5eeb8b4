import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spApiModelsDir } from '../../lib/sp-api-models';

/** The vendored models are Amazon's files, unchanged: each one's git blob id is the one its README records. */

interface Provenance {
  file: string;
  upstreamPath: string;
  blob: string;
  bytes: number;
}

/** The README's table: | File | What it is | Upstream path | Blob SHA-1 | Bytes |. */
function provenance(): { commit: string; files: Provenance[] } {
  const readme = fs.readFileSync(path.join(spApiModelsDir(), 'README.md'), 'utf8');
  const commit = /Upstream commit: `([0-9a-f]{40})`/.exec(readme)?.[1] ?? '';
  const files = readme
    .split('\n')
    .filter((line) => /^\| [\w.-]+\.json \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return { file: cells[1], upstreamPath: cells[3], blob: cells[4], bytes: Number(cells[5].replace(/,/g, '')) };
    });
  return { commit, files };
}

const gitBlobId = (content: Buffer): string =>
  crypto
    .createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');

test('the README records the upstream commit and a row for every vendored model', () => {
  const { commit, files } = provenance();
  expect(commit).toMatch(/^[0-9a-f]{40}$/);
  const vendored = fs
    .readdirSync(spApiModelsDir())
    .filter((f) => f.endsWith('.json'))
    .sort();
  expect(files.map((f) => f.file).sort()).toEqual(vendored);
});

test.each(provenance().files)(
  '$file is byte for byte the upstream blob $blob',
  ({ file, blob, bytes, upstreamPath }) => {
    const content = fs.readFileSync(path.join(spApiModelsDir(), file));
    expect(upstreamPath).toMatch(new RegExp(`/${file.replace(/\./g, '\\.')}$`));
    expect({ file, bytes: content.length, blob: gitBlobId(content) }).toEqual({ file, bytes, blob });
  },
);
