import { listAllAssets, uploadFromPath, uploadFromUrl } from '../../heygen/assets';
import { persistentCatalogCache, type CatalogCache } from '../../heygen/catalog';
import { heygenConfigFromEnv } from '../../heygen/config';
import type { Asset, AssetQuery, HeyGenPort } from '../../heygen/port';
import { createHeyGenPort } from '../../heygen/select';
import { info, reportFailure } from '../output';

// ---------------------------------------------------------------------------------------------------------------
// The catalog and asset commands (registered by catalogCommands.ts; each reports its own failure and sets the
// exit code)

export interface ListFlags {
  json?: boolean;
  refresh?: boolean;
}

export async function avatarsCommand(
  flags: ListFlags & { gender?: string; name?: string; type?: string; webm?: boolean },
): Promise<void> {
  try {
    const avatars = await catalog().listAvatars(
      {
        gender: flags.gender,
        name: flags.name,
        type: flags.type,
        supportsWebm: flags.webm ? true : undefined,
      },
      { refresh: flags.refresh },
    );
    if (flags.json) return printJson(avatars);
    printTable(
      ['AVATAR ID', 'NAME', 'TYPE', 'GENDER', 'PREMIUM', 'WEBM', 'DEFAULT VOICE'],
      avatars.map((a) => [
        a.avatarId,
        a.name,
        a.type,
        a.gender,
        yesNo(a.premium),
        yesNo(a.supportsWebm),
        a.defaultVoiceId,
      ]),
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function voicesCommand(
  flags: ListFlags & { language?: string; gender?: string; name?: string },
): Promise<void> {
  try {
    const voices = await catalog().listVoices(
      { language: flags.language, gender: flags.gender, name: flags.name },
      { refresh: flags.refresh },
    );
    if (flags.json) return printJson(voices);
    printTable(
      ['VOICE ID', 'NAME', 'LANGUAGE', 'GENDER', 'EMOTION', 'PAUSE'],
      voices.map((v) => [
        v.voiceId,
        v.name,
        v.language,
        v.gender,
        yesNo(v.emotionSupport),
        yesNo(v.supportPause),
      ]),
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function groupsCommand(flags: ListFlags & { name?: string }): Promise<void> {
  try {
    const groups = await catalog().listAvatarGroups({ name: flags.name }, { refresh: flags.refresh });
    if (flags.json) return printJson(groups);
    printTable(
      ['GROUP ID', 'NAME', 'LOOKS', 'STATUS', 'CREATED'],
      groups.map((g) => [g.id, g.name, g.looksCount, g.status, isoTime(g.createdAt)]),
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function looksCommand(
  groupId: string,
  flags: ListFlags & { name?: string; status?: string },
): Promise<void> {
  try {
    const looks = await catalog().listGroupLooks(
      groupId,
      { name: flags.name, status: flags.status },
      { refresh: flags.refresh },
    );
    if (flags.json) return printJson(looks);
    printTable(
      ['LOOK ID', 'NAME', 'STATUS', 'HEYGEN STATUS', 'CREATED'],
      looks.map((l) => [l.id, l.name, l.status, l.rawStatus, isoTime(l.createdAt)]),
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function assetsUploadCommand(source: string, flags: { json?: boolean }): Promise<void> {
  try {
    const heygen = port();
    const isUrl = /^https?:\/\//iu.test(source);
    info(`uploading ${isUrl ? redactQuery(source) : source}...`);
    const asset = isUrl ? await uploadFromUrl(heygen, source) : await uploadFromPath(heygen, source);
    if (flags.json) return printJson(asset);
    printTable(
      ['FIELD', 'VALUE'],
      [
        ['asset_id', asset.assetId],
        ['photo_ref', asset.photoRef],
        ['content_type', asset.contentType],
        ['bytes', asset.bytes],
        ['url', asset.url],
      ].filter(([, value]) => value !== undefined && value !== null),
      { header: false },
    );
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function assetsListCommand(flags: {
  type?: AssetQuery['fileType'];
  json?: boolean;
}): Promise<void> {
  try {
    const assets: Asset[] = [];
    for await (const asset of listAllAssets(port(), flags.type ? { fileType: flags.type } : {})) {
      assets.push(asset);
    }
    if (flags.json) return printJson(assets);
    printTable(
      ['ASSET ID', 'TYPE', 'NAME', 'CREATED'],
      assets.map((a) => [a.id, a.fileType, a.name, isoTime(a.createdAt)]),
    );
    info(`${assets.length} asset(s)`);
  } catch (err) {
    reportFailure(err, Boolean(flags.json));
  }
}

export async function assetsDeleteCommand(assetId: string): Promise<void> {
  try {
    await port().deleteAsset(assetId);
    info(`deleted asset ${assetId}`);
  } catch (err) {
    reportFailure(err, false);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output

type Cell = string | number | boolean | null | undefined;

/** Formats rows as left-aligned columns separated by two spaces (no trailing spaces). */
export function formatTable(headers: string[], rows: Cell[][], opts: { header?: boolean } = {}): string {
  const showHeader = opts.header ?? true;
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const all = showHeader ? [headers, ...text] : text;
  const widths = headers.map((_, i) => Math.max(0, ...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function printTable(headers: string[], rows: Cell[][], opts: { header?: boolean } = {}): void {
  process.stdout.write(formatTable(headers, rows, opts));
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s+/gu, ' ');
}

function yesNo(value: boolean | null | undefined): string {
  return value === true ? 'yes' : value === false ? 'no' : '-';
}

function isoTime(unixSeconds: number | null | undefined): string {
  if (typeof unixSeconds !== 'number' || !Number.isFinite(unixSeconds)) return '-';
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

function redactQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : `${url.slice(0, i)}?...`;
}

function port(): HeyGenPort {
  return createHeyGenPort(heygenConfigFromEnv());
}

function catalog(): CatalogCache {
  const config = heygenConfigFromEnv();
  return persistentCatalogCache(createHeyGenPort(config), config);
}
