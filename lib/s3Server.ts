import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  S3Client,
  type MultipartUpload,
} from '@aws-sdk/client-s3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './net';

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

/** A running S3-compatible server (versitygw over a local directory) on loopback, with one bucket. */
export interface RunningS3Server {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The directory the server keeps objects in (one sub-directory per bucket) */
  dataDir: string;
  /** The variables a worker or API process needs to store to this server (STORAGE=s3 and the rest) */
  env(prefix?: string): Record<string, string>;
  client(): S3Client;
  /** The bucket's multipart uploads in progress */
  uploadsInProgress(): Promise<MultipartUpload[]>;
  stop(): Promise<void>;
}

/** The versitygw binary, built once from its pinned Go module by scripts/s3-server.sh (cached outside the repo). */
export async function versitygwPath(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(ROOT, 'scripts', 's3-server.sh')], {
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

/**
 * Starts versitygw on a free 127.0.0.1 port over a fresh temporary directory (or `dataDir`), waits until it
 * answers, and creates `bucket`. Random root credentials unless given; they never leave this process's children.
 */
export async function startS3Server(
  opts: { bucket?: string; dataDir?: string; port?: number } = {},
): Promise<RunningS3Server> {
  const binary = await versitygwPath();
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'heygen-s3-')));
  const ownsDir = opts.dataDir === undefined;
  const port = opts.port ?? (await freeLoopbackPort());
  const accessKeyId = `hp${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(18).toString('base64url');
  const bucket = opts.bucket ?? 'heygen-media';
  const region = 'us-east-1';
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', dataDir], {
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (ownsDir) await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') break;
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`versitygw did not start on ${endpoint}: ${String(err)}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    dataDir,
    env: (prefix = '') => ({
      STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_PREFIX: prefix,
      S3_REGION: region,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    }),
    client: () => client,
    async uploadsInProgress() {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return listed.Uploads ?? [];
    },
    stop,
  };
}
