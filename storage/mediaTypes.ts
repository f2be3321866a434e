/**
 * The media types the product stores, with the file extension of each: the one table both directions derive from
 * (a HeyGen response's Content-Type -> the extension of the stored name; a stored name -> the type it is served as).
 */
const MEDIA_TYPES = [
  { type: 'video/mp4', ext: 'mp4' },
  { type: 'video/webm', ext: 'webm' },
  { type: 'image/gif', ext: 'gif' },
  { type: 'image/png', ext: 'png' },
  { type: 'image/jpeg', ext: 'jpg', aliases: ['image/jpg'], extAliases: ['jpeg'] },
  { type: 'image/webp', ext: 'webp' },
  { type: 'text/vtt', ext: 'vtt' },
  { type: 'application/x-subrip', ext: 'srt', aliases: ['text/srt'] },
  { type: 'text/x-ssa', ext: 'ass' },
] as const satisfies readonly { type: string; ext: string; aliases?: string[]; extAliases?: string[] }[];

export type MediaExtension = (typeof MEDIA_TYPES)[number]['ext'];

const EXT_BY_TYPE = new Map<string, MediaExtension>();
const TYPE_BY_EXT = new Map<string, string>();
for (const entry of MEDIA_TYPES) {
  EXT_BY_TYPE.set(entry.type, entry.ext);
  TYPE_BY_EXT.set(entry.ext, entry.type);
  for (const alias of 'aliases' in entry ? entry.aliases : []) EXT_BY_TYPE.set(alias, entry.ext);
  for (const alias of 'extAliases' in entry ? entry.extAliases : []) TYPE_BY_EXT.set(alias, entry.type);
}

/** The extension for a Content-Type (parameters and case ignored), if it is one of `allowed`. */
export function extensionOfType(
  contentType: string | undefined,
  allowed: readonly MediaExtension[],
): MediaExtension | undefined {
  const ext = contentType ? EXT_BY_TYPE.get(contentType.split(';')[0]!.trim().toLowerCase()) : undefined;
  return ext !== undefined && allowed.includes(ext) ? ext : undefined;
}

/** The canonical extension for a file extension (`jpeg` -> `jpg`), if it is one of `allowed`. */
export function canonicalExtension(
  ext: string | undefined,
  allowed: readonly MediaExtension[],
): MediaExtension | undefined {
  const type = ext ? TYPE_BY_EXT.get(ext.toLowerCase()) : undefined;
  const canonical = type ? EXT_BY_TYPE.get(type) : undefined;
  return canonical !== undefined && allowed.includes(canonical) ? canonical : undefined;
}

/** The media type a stored name is served as, from its extension; undefined for an unknown one. */
export function typeOfName(name: string): string | undefined {
  const ext = /\.([a-z0-9]+)$/iu.exec(name)?.[1]?.toLowerCase();
  return ext ? TYPE_BY_EXT.get(ext) : undefined;
}

/** A Content-Type this product knows (normalised), else undefined: a source's `binary/octet-stream` says nothing. */
export function knownType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  const ext = bare ? EXT_BY_TYPE.get(bare) : undefined;
  return ext ? TYPE_BY_EXT.get(ext) : undefined;
}
