import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { renderBatchInputSchema, type BatchItem, type RenderBatchInput } from '../contracts/batch';
import type { ScenesVideo } from '../contracts/render';
import { InputValidationError, parseInput } from '../contracts/validation';
import { InputFileError } from './output';

/**
 * The columns of a CSV batch file: one render a row, each a one-scene video in the product's own (API-neutral)
 * words. Values are passed on as written (numbers and booleans converted), so a bad value is refused by the
 * contract (validateBatch), naming the row and field (`row 5 (items.3): render.video.scenes.0.speech.text`).
 */
export const CSV_COLUMNS = {
  ref: "the caller's own reference for the row, echoed in the result",
  avatar_id: 'character: a HeyGen avatar (studio or public) ...',
  avatar_style: '... with its style: normal, circle or closeUp',
  look_id: 'character: a photo-avatar look (instead of avatar_id)',
  talking_photo_id: 'the v2 name of a look id, read as look_id so files written for v2 keep working',
  script: 'speech: the text to say ...',
  voice_id: '... in this voice ...',
  speed: '... at this speed (0.5 to 1.5) ...',
  pitch: '... and pitch (-50 to 50)',
  audio_url: 'speech: an audio file to lip-sync instead of a script ...',
  audio_asset_id: '... or an audio asset HeyGen holds',
  background: 'background: a #RRGGBB colour ...',
  background_image_url: '... or an image ...',
  background_video_url: '... or a video ...',
  background_play_style: '... played fit_to_scene, freeze, loop or once (required with a video)',
  title: 'title of the video',
  width: 'output width in pixels (with height)',
  height: 'output height in pixels (with width)',
  caption: 'true for captions',
  test: 'true for a free, watermarked test render (HeyGen v2 only: a v3 worker refuses it)',
} as const;
type Column = keyof typeof CSV_COLUMNS;
const COLUMN_NAMES = Object.keys(CSV_COLUMNS) as Column[];
const isColumn = (name: string): name is Column => (COLUMN_NAMES as string[]).includes(name);

/**
 * Reads batch items from a file:
 * - `.jsonl` / `.ndjson`: one JSON object a line, either `{ "ref"?, "render": <renderVideo input> }` or a bare
 *   renderVideo input;
 * - `.csv`: a header row naming some of CSV_COLUMNS, then one render a row.
 * Items are checked by validateBatch, which names the line or row and the field at fault.
 */
export async function readBatchFile(file: string): Promise<BatchItem[]> {
  return (await readBatchSource(file)).map((s) => s.item);
}

/** A batch item and where it is in its file (`line 3` of a JSONL file, `row 5` of a CSV file, the header is row 1). */
export interface SourcedItem {
  item: BatchItem;
  where: string;
}

/** As readBatchFile, with where each item is in the file. */
export async function readBatchSource(file: string): Promise<SourcedItem[]> {
  const text = await readFile(file, 'utf8');
  return /\.csv$/i.test(file) ? csvItems(text) : jsonlItems(text);
}

/**
 * The batch input for these items, checked against the contract (the schema PipelinesClient validates with) before
 * anything is started: a refusal names the file, the item's line or row, and its field.
 */
export function validateBatch(
  file: string,
  items: SourcedItem[],
  options: Omit<RenderBatchInput, 'items'> = {},
): RenderBatchInput {
  try {
    return parseInput(renderBatchInputSchema, { items: items.map((i) => i.item), ...options });
  } catch (err) {
    if (!(err instanceof InputValidationError)) throw err;
    const [, index, rest] = /^items\.(\d+)(?:\.(.+))?$/.exec(err.field) ?? [];
    const where = index !== undefined ? items[Number(index)]?.where : undefined;
    if (where === undefined) throw new InputFileError(file, err.field, err.detail);
    throw new InputFileError(file, rest ?? '(item)', err.detail, `${where} (items.${index})`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseJsonlItems(text: string): BatchItem[] {
  return jsonlItems(text).map((s) => s.item);
}

function jsonlItems(text: string): SourcedItem[] {
  const items: SourcedItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    // Shapes are the contract's to judge (when the batch starts): only the wrapping is decided here.
    const item = (isRecord(value) && 'render' in value ? value : { render: value }) as BatchItem;
    items.push({ item, where: `line ${i + 1}` });
  });
  return items;
}

/**
 * The rows of a CSV file (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes; a BOM and
 * blank rows ignored; rows may be shorter than the header). csv-parse refuses malformed text naming its line.
 */
export function parseCsv(text: string): string[][] {
  return parse(text, {
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
  });
}

/** A number as written; text that is not one stays text, so the contract names the field. */
const numberOr = (value: string): number | string => {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
};
/** `true` / `false` (any case); anything else stays text, so the contract names the field. */
const booleanOr = (value: string): boolean | string =>
  /^true$/i.test(value) ? true : /^false$/i.test(value) ? false : value;

export function parseCsvItems(text: string): BatchItem[] {
  return csvItems(text).map((s) => s.item);
}

function csvItems(text: string): SourcedItem[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const columns = header.map((h) => h.trim().toLowerCase());
  const unknown = columns.filter((c) => !isColumn(c));
  if (unknown.length > 0) {
    throw new Error(`header: unknown column(s) ${unknown.join(', ')} (known: ${COLUMN_NAMES.join(', ')})`);
  }
  return rows.map((values, r) => {
    const row = `row ${r + 2}`;
    const get: Cell = (name) => {
      const at = columns.indexOf(name);
      const value = at >= 0 ? values[at]?.trim() : undefined;
      return value ? value : undefined;
    };
    const dimension = cells(get, { width: 'width', height: 'height' }, numberOr);
    const video = {
      scenes: [{ character: character(get, row), speech: speech(get), ...background(get, row) }],
      ...cells(get, { title: 'title' }),
      ...(Object.keys(dimension).length > 0 ? { dimension } : {}),
      ...cells(get, { caption: 'caption', test: 'test' }, booleanOr),
    };
    const ref = get('ref');
    // Validated by the contract (validateBatch, PipelinesClient), which names this item's field at fault.
    const item = { ...(ref ? { ref } : {}), render: { video: video as unknown as ScenesVideo } };
    return { item, where: row };
  });
}

type Cell = (name: Column) => string | undefined;
type Loose = Record<string, unknown>;
/** The cells given, under the contract's names (cells left empty are left out). */
const cells = (
  get: Cell,
  fields: Partial<Record<string, Column>>,
  convert: (v: string) => unknown = (v) => v,
) =>
  Object.fromEntries(
    Object.entries(fields).flatMap(([key, column]) => {
      const value = column ? get(column) : undefined;
      return value ? [[key, convert(value)]] : [];
    }),
  );

/*
 * Every given cell is passed on, even one the chosen variant has no field for (avatar_style with a look, a voice
 * with an audio file...): the contract's objects are strict, so it refuses such a mix naming the field.
 */

function character(get: Cell, row: string): Loose {
  const avatarId = get('avatar_id');
  const lookId = get('look_id') ?? get('talking_photo_id');
  if (Boolean(avatarId) === Boolean(lookId))
    throw new Error(`${row}: give exactly one of avatar_id or look_id`);
  const style = cells(get, { style: 'avatar_style' });
  return lookId ? { type: 'look', lookId, ...style } : { type: 'avatar', avatarId, ...style };
}

function speech(get: Cell): Loose {
  const voice = {
    ...cells(get, { text: 'script', voiceId: 'voice_id' }),
    ...cells(get, { speed: 'speed', pitch: 'pitch' }, numberOr),
  };
  const audio = cells(get, { url: 'audio_url', assetId: 'audio_asset_id' });
  // Missing script or voice cells become empty text, which the contract refuses naming the field.
  return Object.keys(audio).length > 0
    ? { type: 'audio', ...audio, ...voice }
    : { type: 'text', text: '', voiceId: '', ...voice };
}

function background(get: Cell, row: string): { background?: Loose } {
  const color = get('background');
  const image = get('background_image_url');
  const video = get('background_video_url');
  const playStyle = cells(get, { playStyle: 'background_play_style' });
  if ([color, image, video].filter(Boolean).length > 1) {
    throw new Error(`${row}: give at most one of background, background_image_url or background_video_url`);
  }
  if (color) return { background: { type: 'color', color, ...playStyle } };
  if (image) return { background: { type: 'image', url: image, ...playStyle } };
  if (video) return { background: { type: 'video', url: video, ...playStyle } };
  if (playStyle.playStyle) throw new Error(`${row}: background_play_style needs background_video_url`);
  return {};
}
