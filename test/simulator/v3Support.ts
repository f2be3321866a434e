/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- the JSON answers are inspected loosely */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import { renderPng } from '../../simulator/media/png';

/** Plain-HTTP helpers for the v3 simulator tests: no product code (the simulator is tested on its own). */

export type Json = any;

export interface CallResult {
  status: number;
  headers: Headers;
  json: Json;
}

export interface CallOptions {
  body?: unknown;
  /** X-Api-Key value; null = none. Default the simulator's key. */
  key?: string | null;
  /** Send the key as `Authorization: Bearer` instead of X-Api-Key */
  bearer?: boolean;
  idempotencyKey?: string;
  form?: FormData;
  headers?: Record<string, string>;
}

export async function call(
  sim: RunningSimulator,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? sim.apiKey : opts.key;
  if (key !== null) {
    if (opts.bearer) headers.Authorization = `Bearer ${key}`;
    else headers['X-Api-Key'] = key;
  }
  if (opts.idempotencyKey !== undefined) headers['Idempotency-Key'] = opts.idempotencyKey;
  let body: string | FormData | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

export async function withSim(options: SimulatorOptions, fn: (sim: RunningSimulator) => Promise<void>) {
  const sim = await startSimulator(options);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

export const png = (width = 64, height = 96, seed = 'photo') => renderPng({ width, height, seed });

export function fileForm(bytes: Buffer, type: string, name: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  return form;
}

/** Uploads a PNG with POST /v3/assets; its asset id. */
export async function uploadPng(sim: RunningSimulator, seed = 'photo'): Promise<string> {
  const res = await call(sim, 'POST', '/v3/assets', {
    form: fileForm(png(64, 96, seed), 'image/png', `${seed}.png`),
  });
  expect(res.status).toBe(200);
  return res.json.data.asset_id as string;
}

/** Creates a photo avatar (new group) from an uploaded PNG; `{groupId, lookId}`. */
export async function createPhotoAvatar(
  sim: RunningSimulator,
  name: string,
  opts: { idempotencyKey?: string } = {},
): Promise<{ groupId: string; lookId: string; json: Json }> {
  const assetId = await uploadPng(sim, name);
  const res = await call(sim, 'POST', '/v3/avatars', {
    body: { type: 'photo', name, file: { type: 'asset_id', asset_id: assetId } },
    ...opts,
  });
  expect(res.status).toBe(200);
  return { groupId: res.json.data.avatar_group.id, lookId: res.json.data.avatar_item.id, json: res.json };
}

/** Every item of a v3 listing, following next_token; also the number of pages read. */
export async function allPages(
  sim: RunningSimulator,
  path: string,
  query: Record<string, string> = {},
): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const q = new URLSearchParams(query);
    if (token) q.set('token', token);
    const res = await call(sim, 'GET', `${path}?${q.toString()}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['data', 'has_more', 'next_token']);
    items.push(...(res.json.data as Json[]));
    pages += 1;
    expect(res.json.has_more).toBe(res.json.next_token !== null);
    token = res.json.next_token as string | null;
  } while (token !== null && pages < 100);
  return { items, pages };
}

export interface Received {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A loopback webhook receiver that records every request and answers 200. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
