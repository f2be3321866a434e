import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import axios from 'axios';

/** Options of the naive scripts (one per HeyGen API version). */
export interface NaiveOptions {
  baseUrl: string;
  apiKey: string;
  /** How often a job's status is checked. The seed's scripts (and most tutorials) use 5 s. */
  pollMs?: number;
  outDir: string;
  name?: string;
}

export interface NaiveResult {
  videoId: string;
  file: string;
  bytes: number;
}

/** The seed's fixed status-check interval. */
export const NAIVE_POLL_MS = 5000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Step 7 of both scripts: download the video before its URL expires. */
export async function saveVideo(url: string, outDir: string, videoId: string): Promise<NaiveResult> {
  const file = await axios.get<ArrayBuffer>(url, { responseType: 'arraybuffer' });
  await mkdir(outDir, { recursive: true });
  const target = path.join(outDir, `${videoId}.mp4`);
  await writeFile(target, Buffer.from(file.data));
  return { videoId, file: target, bytes: file.data.byteLength };
}
