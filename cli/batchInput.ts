import { readFile } from 'node:fs/promises';
import type { BatchItem } from '../contracts/batch';

/**
 * Reads batch items from a file:
 * - `.jsonl` / `.ndjson`: one JSON object a line, either `{ "ref"?, "render": <renderVideo input> }` or a bare
 *   renderVideo input;
 * - `.csv`: a header row and one render a row, with columns `ref`, `avatar_id` or `talking_photo_id`, `voice_id`,
 *   `script`, and optionally `title`, `width`, `height`, `background` (a #RRGGBB colour), `test`.
 * Items are validated when the batch starts (by the client), naming the line and field at fault.
 */
export async function readBatchFile(file: string): Promise<BatchItem[]> {
  const text = await readFile(file, 'utf8');
  return /\.csv$/i.test(file) ? parseCsvItems(text) : parseJsonlItems(text);
}

export function parseJsonlItems(text: string): BatchItem[] {
  const items: BatchItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    const record = value as Record<string, unknown>;
    items.push(('render' in record ? record : { render: record }) as BatchItem);
  });
  return items;
}

/** RFC 4180-style CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

export function parseCsvItems(text: string): BatchItem[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const columns = header.map((h) => h.trim().toLowerCase());
  return rows.map((cells, r) => {
    const get = (name: string) => {
      const at = columns.indexOf(name);
      const value = at >= 0 ? cells[at]?.trim() : undefined;
      return value ? value : undefined;
    };
    const avatar = get('avatar_id');
    const talkingPhoto = get('talking_photo_id');
    if (!avatar && !talkingPhoto) throw new Error(`row ${r + 2}: give avatar_id or talking_photo_id`);
    const width = get('width');
    const height = get('height');
    const background = get('background');
    const title = get('title');
    const ref = get('ref');
    return {
      ...(ref ? { ref } : {}),
      render: {
        video: {
          video_inputs: [
            {
              character: avatar
                ? { type: 'avatar' as const, avatar_id: avatar }
                : { type: 'talking_photo' as const, talking_photo_id: talkingPhoto! },
              voice: {
                type: 'text' as const,
                voice_id: get('voice_id') ?? '',
                input_text: get('script') ?? '',
              },
              ...(background ? { background: { type: 'color' as const, value: background } } : {}),
            },
          ],
          ...(title ? { title } : {}),
          ...(width && height ? { dimension: { width: Number(width), height: Number(height) } } : {}),
          ...(get('test') ? { test: get('test') === 'true' } : {}),
        },
      },
    };
  });
}
