import fs from 'fs';
import { Client, Connection } from '@temporalio/client';

/**
 * R6: what an operator, a log shipper or anyone with access to Temporal's database sees. Histories are fetched
 * WITHOUT the codec (a plain client: payloads stay as stored) and every byte string is read as UTF-8 text, so a
 * payload written in clear would show its JSON; then every needle (credential, buyer name, street line) is looked for.
 */

/** Patterns of credentials whose values we do not know in advance: LWA access and refresh tokens. */
const TOKEN_PATTERNS = [/Atza\|[A-Za-z0-9_-]{8,}/, /Atzr\|[A-Za-z0-9_-]{8,}/];

/** Fast many-needle search: needles indexed by their first 6 characters (shorter ones are not looked for). */
export class NeedleSet {
  private readonly byPrefix = new Map<string, string[]>();
  size = 0;

  constructor(needles: Iterable<string>) {
    for (const n of needles) {
      if (n.length < 6) continue;
      const key = n.slice(0, 6);
      this.byPrefix.set(key, [...(this.byPrefix.get(key) ?? []), n]);
      this.size++;
    }
  }

  /** Every needle found in `text` (each once). */
  find(text: string): string[] {
    const found = new Set<string>();
    for (let i = 0; i + 6 <= text.length; i++) {
      const candidates = this.byPrefix.get(text.slice(i, i + 6));
      if (!candidates) continue;
      for (const n of candidates) if (text.startsWith(n, i)) found.add(n);
    }
    return [...found];
  }
}

export interface Findings {
  histories: number;
  events: number;
  logLines: number;
  credentials: string[];
  pii: string[];
}

export const emptyFindings = (): Findings => ({ histories: 0, events: 0, logLines: 0, credentials: [], pii: [] });

/** Every Uint8Array as UTF-8 text, so that plain JSON payloads are readable; the rest as JSON. */
function asText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
}

export function scanText(
  text: string,
  needles: { pii: NeedleSet; credentials: NeedleSet },
  into: Findings,
  where: string,
): void {
  for (const c of needles.credentials.find(text)) into.credentials.push(`${where}: ${c.slice(0, 6)}…`);
  for (const p of TOKEN_PATTERNS) {
    const m = p.exec(text);
    if (m) into.credentials.push(`${where}: ${m[0].slice(0, 8)}…`);
  }
  for (const n of needles.pii.find(text)) into.pii.push(`${where}: ${n}`);
}

/** Fetches and scans every workflow history of a task queue, without the codec. */
export async function scanHistories(
  address: string,
  taskQueue: string,
  needles: { pii: NeedleSet; credentials: NeedleSet },
  into: Findings,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const raw = new Client({ connection }); // no data converter: what is stored is what we read
    const ids: string[] = [];
    for await (const w of raw.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) ids.push(w.workflowId);
    let next = 0;
    const one = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const history = await raw.workflow.getHandle(id).fetchHistory();
        into.histories++;
        into.events += history.events?.length ?? 0;
        scanText(asText(history), needles, into, `history ${id}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, one));
  } finally {
    await connection.close();
  }
}

export function scanLogs(files: string[], needles: { pii: NeedleSet; credentials: NeedleSet }, into: Findings): void {
  for (const file of files.filter((f) => fs.existsSync(f))) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    into.logLines += lines.length;
    lines.forEach((line, i) => scanText(line, needles, into, `${file.split('/').pop()}:${i + 1}`));
  }
}
