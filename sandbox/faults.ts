import { Random } from './random';

/** Probabilities (0..1) of each injected fault for one operation. */
export interface FaultRates {
  /** 500 InternalFailure. */
  status500?: number;
  /** 503 ServiceUnavailable. */
  status503?: number;
  /** The answer comes after `timeoutMs` (default 30 s: longer than the connector's 20 s response timeout). */
  timeout?: number;
  /** The connection is destroyed before any answer. */
  reset?: number;
  /** 200 with half a JSON body (the operation did happen). */
  truncated?: number;
  timeoutMs?: number;
}

/**
 * Per operation name, or "*" for every SP-API operation. LWA ("lwaToken") and the document store ("uploadFeedDocument",
 * "downloadFeedDocument") are other services: only their own names apply to them.
 */
export type FaultConfig = Record<string, FaultRates>;

export type Fault = 'status500' | 'status503' | 'timeout' | 'reset' | 'truncated';

const KINDS: Fault[] = ['status500', 'status503', 'timeout', 'reset', 'truncated'];

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Validates a fault config from JSON (admin API, CLI); throws a message naming the bad entry. */
export function validateFaults(value: unknown): FaultConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('faults must be an object like {"*": {"status500": 0.05}}');
  }
  const out: FaultConfig = {};
  for (const [operation, rates] of Object.entries(value as Record<string, unknown>)) {
    if (rates === null || typeof rates !== 'object' || Array.isArray(rates)) {
      throw new Error(`faults.${operation} must be an object of probabilities`);
    }
    const clean: FaultRates = {};
    for (const [key, v] of Object.entries(rates as Record<string, unknown>)) {
      if (key === 'timeoutMs') {
        if (typeof v !== 'number' || v < 0)
          throw new Error(`faults.${operation}.timeoutMs must be a number of milliseconds`);
        clean.timeoutMs = v;
      } else if ((KINDS as string[]).includes(key)) {
        if (typeof v !== 'number' || v < 0 || v > 1)
          throw new Error(`faults.${operation}.${key} must be a probability from 0 to 1`);
        clean[key as Fault] = v;
      } else {
        throw new Error(`faults.${operation}.${key} is unknown: use ${KINDS.join(', ')} or timeoutMs`);
      }
    }
    out[operation] = clean;
  }
  return out;
}

/**
 * The CLI's --faults: JSON, or "op:kind=p,kind=p;op2:kind=p" where a part without "op:" applies to "*".
 * Example: "status500=0.05,reset=0.01;searchOrders:timeout=0.1".
 */
export function parseFaultSpec(spec: string): FaultConfig {
  const text = spec.trim();
  if (text.startsWith('{')) return validateFaults(JSON.parse(text));
  const raw: Record<string, Record<string, number>> = {};
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    const operation = colon >= 0 && !part.slice(0, colon).includes('=') ? part.slice(0, colon).trim() : '*';
    const body = operation === '*' && colon < 0 ? part : part.slice(colon + 1);
    for (const pair of body
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [key, value] = pair.split('=').map((s) => s.trim());
      if (!key || value === undefined || Number.isNaN(Number(value)))
        throw new Error(`fault "${pair}" must look like status500=0.05`);
      (raw[operation] ??= {})[key] = Number(value);
    }
  }
  return validateFaults(raw);
}

/** Draws the fault (if any) for one call, from a seeded PRNG so a run repeats. */
export class FaultInjector {
  private readonly random: Random;

  constructor(
    public config: FaultConfig,
    seed: number,
  ) {
    this.random = new Random(seed ^ 0x5eed);
  }

  rates(operation: string, spApi = true): FaultRates | undefined {
    const own = this.config[operation];
    if (!spApi) return own;
    const all = this.config['*'];
    return own || all ? { ...all, ...own } : undefined;
  }

  draw(operation: string, spApi = true): { fault: Fault; timeoutMs: number } | null {
    const rates = this.rates(operation, spApi);
    if (!rates) return null;
    const r = this.random.next();
    let edge = 0;
    for (const kind of KINDS) {
      edge += rates[kind] ?? 0;
      if (r < edge) return { fault: kind, timeoutMs: rates.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    }
    return null;
  }
}
