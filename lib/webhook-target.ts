import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidInput } from './errors';

/**
 * Where webhooks may go. Private, loopback and link-local addresses are refused (the connector must not be turned into
 * a proxy into its own network), checked on the addresses a host name resolves to, at registration and again at each
 * delivery (a DNS answer can change: rebinding), unless CONNECTOR_WEBHOOK_ALLOWED_HOSTS allows them: a comma-separated
 * list of host names and CIDRs (`127.0.0.1/32,wms.internal`). The demo allows loopback.
 */
export interface AllowedTargets {
  hosts: Set<string>;
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export function parseAllowedTargets(text: string | undefined): AllowedTargets {
  const allowed: AllowedTargets = { hosts: new Set(), ranges: [] };
  for (const entry of (text ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (entry.includes('/')) allowed.ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const ip = ipaddr.parse(entry);
      allowed.ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else allowed.hosts.add(entry);
  }
  return allowed;
}

/** The address as an IPv4 when it is an IPv4-mapped IPv6 one (::ffff:10.0.0.1 is 10.0.0.1). */
function normalized(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const ip = ipaddr.parse(address);
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/** Why an address may not be a webhook target, or undefined when it may. */
export function refusal(host: string, address: string, allowed: AllowedTargets): string | undefined {
  if (allowed.hosts.has(host.toLowerCase())) return undefined;
  const ip = normalized(address);
  if (allowed.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits))) return undefined;
  const kind = ip.range();
  return kind === 'unicast'
    ? undefined
    : `${host} resolves to ${address}, a ${kind} address: webhooks go to public addresses only (allow it with CONNECTOR_WEBHOOK_ALLOWED_HOSTS)`;
}

/** Checks a webhook URL's host as it resolves now: InvalidInput naming `url` when a target is refused or unknown. */
export async function checkWebhookTarget(url: string, allowed: AllowedTargets): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string }>;
  try {
    addresses = ipaddr.isValid(host) ? [{ address: host }] : await dns.promises.lookup(host, { all: true });
  } catch {
    throw new InvalidInput(`url: ${host} does not resolve`, 'url');
  }
  for (const { address } of addresses) {
    const why = refusal(host, address, allowed);
    if (why) throw new InvalidInput(`url: ${why}`, 'url');
  }
}

/** A `lookup` for http.request that resolves, then refuses what checkWebhookTarget would: the socket never opens. */
export function guardedLookup(allowed: AllowedTargets): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return (callback as any)(err);
      const list = addresses as unknown as dns.LookupAddress[];
      for (const { address } of list) {
        const why = refusal(hostname, address, allowed);
        if (why) return (callback as any)(Object.assign(new Error(why), { code: 'EWEBHOOKTARGET' }));
      }
      if ((options as dns.LookupOptions).all) return (callback as any)(null, list);
      return (callback as any)(null, list[0].address, list[0].family);
    });
  };
}
