import { createHmac, randomBytes } from 'node:crypto';
import http, { type OutgoingHttpHeaders } from 'node:http';
import type { JobEventSink, RoutedJobEvent } from '../../webhooks/types';

/** In-memory sink: records every delivery, dedupes by eventId, can be told to fail. */
export class FakeSink implements JobEventSink {
  readonly deliveries: RoutedJobEvent[] = [];
  readonly accepted: RoutedJobEvent[] = [];
  private readonly seen = new Set<string>();
  /** While > 0, deliver() rejects (and counts down). */
  failures = 0;
  calls = 0;

  deliver(event: RoutedJobEvent): Promise<'accepted' | 'duplicate'> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error('temporal unavailable'));
    }
    this.deliveries.push(event);
    if (this.seen.has(event.eventId)) return Promise.resolve('duplicate');
    this.seen.add(event.eventId);
    this.accepted.push(event);
    return Promise.resolve('accepted');
  }
}

/** Hex HMAC-SHA256 of `body`; a string key is used as its UTF-8 bytes (the "raw" secret encoding). */
export const sign = (secret: string | Buffer, body: Buffer | string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

/** The `"<timestamp>.<body>"` signed-string variant. */
export const signTimestamped = (secret: string | Buffer, timestamp: string, body: Buffer | string): string =>
  sign(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]));

/** A v3-style secret: `whsec_` + base64 of random bytes. */
export const whsecSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** The "base64" encoding's key of a `whsec_` secret: the part after the prefix, decoded. */
export const base64Key = (secret: string): Buffer => Buffer.from(secret.slice('whsec_'.length), 'base64');

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
  agent?: http.Agent | false;
  /** Chunked upload: the body is written in pieces of this size, without Content-Length. */
  chunkSize?: number;
}

/**
 * One raw HTTP request with full control over headers (duplicates via arrays, no normalisation). Resolves with the
 * answer, or rejects when the connection ends without one. Errors after the answer (the server closing a
 * connection it did not read to the end) are ignored.
 */
export function send(url: string, opts: SendOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const headers: OutgoingHttpHeaders = { ...opts.headers };
    if (body && opts.chunkSize === undefined && !hasHeader(headers, 'content-length')) {
      headers['Content-Length'] = body.length;
    }
    let answered = false;
    const req = http.request(
      url,
      { method: opts.method ?? 'POST', headers, agent: opts.agent ?? false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => undefined);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (!body) {
      req.end();
      return;
    }
    if (opts.chunkSize === undefined) {
      req.end(body);
      return;
    }
    const size = opts.chunkSize;
    let offset = 0;
    const pump = () => {
      while (offset < body.length && !answered && !req.destroyed) {
        const piece = body.subarray(offset, offset + size);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered && !req.destroyed) req.end();
    };
    pump();
  });
}

function hasHeader(headers: OutgoingHttpHeaders, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}
