import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkResolved, checkWebhookUrl, TargetPolicy } from '../../subscriptions/domain/webhook-target';

/** What a webhook answered. */
export interface WebhookAnswer {
  statusCode: number;
  /** The start of the answer's body, for the delivery log. */
  bodyStart: string;
}

/**
 * A DNS lookup that refuses addresses the policy does not allow. The check happens on the very
 * addresses the socket then connects to, so a host name cannot resolve to a public address when
 * registered and to a private one when called (DNS rebinding).
 */
function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refusal = checkResolved(
        hostname,
        addresses.map((a) => a.address),
        policy,
      );
      if (refusal) return callback(Object.assign(new Error(refusal.message), { code: refusal.code }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * POSTs a signed body to a subscriber's URL. Redirects are not followed; the URL is checked as
 * written (IP literals) and every resolved address before connecting.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { policy: TargetPolicy; timeoutMs: number },
): Promise<WebhookAnswer> {
  const refusal = checkWebhookUrl(url, options.policy);
  if (refusal) return Promise.reject(Object.assign(new Error(refusal.message), { code: refusal.code }));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'ki-network-notifications/1',
        },
        lookup: guardedLookup(options.policy),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        let bodyStart = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (bodyStart.length < 500) bodyStart += chunk.slice(0, 500 - bodyStart.length);
        });
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, bodyStart }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: Error & { name: string }) =>
      reject(err.name === 'AbortError' ? new Error(`no answer within ${options.timeoutMs} ms`) : err),
    );
    req.end(body);
  });
}
