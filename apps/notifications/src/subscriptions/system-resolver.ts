import { lookup } from 'node:dns/promises';
import type { Resolver } from './domain/webhook-target';

/** Every address the system resolver gives for a host name. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
