import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Recorded workflow histories (test/histories/README.md). */
export const HISTORIES = path.join(__dirname, '..', 'histories');

/**
 * History files are named after their workflow id ('/' written as '__'; an archived one adds `@<tag>`): replay needs
 * the original id.
 */
export function fileFor(workflowId: string): string {
  return `${workflowId.replace(/\//g, '__')}.json`;
}

export function workflowIdOf(file: string): string {
  return file
    .replace(/\.json$/, '')
    .replace(/@[^@]*$/, '')
    .replace(/__/g, '/');
}

export async function recordedHistories(): Promise<string[]> {
  return (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
}
