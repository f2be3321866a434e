/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- the document is inspected loosely */
import { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { START_EXAMPLES } from '../../api/openapi';
import { RunsService } from '../../api/runs';
import { startApiServer, type RunningApiServer } from '../../api/server';
import { PipelinesClient } from '../../client/pipelinesClient';

/**
 * The OpenAPI document the API serves, generated from its routes: what it shows, and Redocly's recommended ruleset
 * on it. No Temporal: the document never needs the cluster (the client connects lazily, and nothing here calls it).
 */

const TOKEN = 'openapi-token-0123456789abcdef';
const REDOCLY = path.join(__dirname, '..', '..', 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
let api: RunningApiServer;
let doc: any;
let dir: string;

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint --extends=recommended` on `document`; offline: no telemetry, no update check, no remote $ref. */
async function lint(document: unknown, name: string): Promise<LintReport> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(document, null, 2));
  const run = promisify(execFile)(
    process.execPath,
    [REDOCLY, 'lint', '--extends=recommended', '--format=json', file],
    {
      cwd: dir, // no redocly.yaml is picked up from the repository
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
      timeout: 60_000,
    },
  );
  // It exits 1 when it reports errors: the report is on stdout either way.
  const { stdout } = await run.catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return JSON.parse(stdout) as LintReport;
}

const describeProblem = (p: LintReport['problems'][number]) =>
  `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
  api = await startApiServer({
    runs: new RunsService(new PipelinesClient(new Client(), 'openapi-test')),
    tokens: [{ name: 'docs', token: TOKEN }],
  });
  const res = await fetch(`${api.url}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('OpenAPI document', () => {
  test('describes every route with the contract schemas and the examples', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const operations = Object.entries(doc.paths).flatMap(([p, ops]: [string, any]) =>
      Object.entries(ops).map(([method, op]: [string, any]) => ({ path: p, method, op })),
    );
    expect(operations.map(({ method, path: p }) => `${method} ${p}`).sort()).toEqual(
      [
        'get /healthz',
        'get /openapi.json',
        'post /v1/lifecycles',
        'post /v1/renders',
        'post /v1/batches',
        'get /v1/runs',
        'get /v1/runs/{workflowId}',
        'get /v1/runs/{workflowId}/progress',
        'get /v1/runs/{workflowId}/result',
        'post /v1/runs/{workflowId}/cancel',
        'get /v1/runs/{workflowId}/media/{name}',
      ].sort(),
    );
    for (const { op } of operations) {
      expect(op.operationId).toEqual(expect.any(String));
      expect(op.summary).toEqual(expect.any(String));
    }
    expect(doc.paths['/healthz'].get.security).toEqual([]);

    const schemas = doc.components.schemas;
    expect(schemas.LifecycleInput.properties.photo).toBeDefined();
    expect(schemas.RenderInput.properties.video).toBeDefined();
    expect(schemas.RenderResult.required).toEqual(expect.arrayContaining(['kind', 'apiVersion', 'media']));
    expect(schemas.RunSummary.properties.apiVersion.enum).toEqual(['v3', 'v2']);
    expect(schemas.Run.properties.result.anyOf).toEqual([
      { $ref: '#/components/schemas/LifecycleResult' },
      { $ref: '#/components/schemas/RenderResult' },
      { $ref: '#/components/schemas/BatchResult' },
    ]);
    // Every $ref points at a schema that exists, and every schema is referred to.
    const refs = new Set(
      [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]),
    );
    expect([...refs].sort()).toEqual(Object.keys(schemas).sort());

    // A start body: the envelope, with the contract's input and the examples of examples/*.json.
    const start = doc.paths['/v1/renders'].post;
    const body = start.requestBody.content['application/json'];
    expect(body.schema.properties.input).toEqual({ $ref: '#/components/schemas/RenderInput' });
    expect(body.schema.required).toEqual(['input']);
    expect(body.examples).toEqual(START_EXAMPLES.render);
    expect(Object.values(body.examples).map((e: any) => Object.keys(e.value.input)[0])).toEqual([
      'video',
      'avatarIv',
      'webm',
    ]);
    expect(start.parameters).toEqual([
      expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false }),
    ]);
    expect(Object.keys(start.responses).sort()).toEqual(['200', '201', '400', '401', '413', '415', '503']);

    const media = doc.paths['/v1/runs/{workflowId}/media/{name}'].get;
    expect(media.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          in: 'path',
          name: 'name',
          schema: expect.objectContaining({ enum: ['video', 'captions', 'thumbnail', 'gif'] }),
        }),
        expect.objectContaining({ in: 'query', name: 'format' }),
        expect.objectContaining({ in: 'header', name: 'range' }),
      ]),
    );
    expect(media.responses['302'].headers.Location).toBeDefined();
    expect(Object.keys(media.responses['200'].content)).toEqual(['application/json', '*/*']);
  });

  test("passes Redocly's recommended ruleset with no error", async () => {
    const report = await lint(doc, 'served');
    const warnings = report.problems.filter((p) => p.severity === 'warn');
    if (warnings.length) console.log(`redocly lint warnings:\n${warnings.map(describeProblem).join('\n')}`);
    expect(report.problems.filter((p) => p.severity === 'error').map(describeProblem)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  test('the lint fails a document without servers or with an operation lacking its summary', async () => {
    const broken = structuredClone(doc);
    delete broken.servers;
    delete broken.paths['/v1/runs'].get.summary;
    const report = await lint(broken, 'broken');
    expect(report.totals.errors).toBeGreaterThan(0);
    expect(report.problems.map((p) => p.ruleId)).toEqual(
      expect.arrayContaining(['no-empty-servers', 'operation-summary']),
    );
  });
});
