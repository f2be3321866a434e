import type { AssetContentType } from './schemas';

/** Detects a file's type from its first bytes; returns undefined for anything HeyGen does not accept. */
export function sniffContentType(head: Uint8Array): AssetContentType | undefined {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'image/png';
  if (b(0) === 0x1a && b(1) === 0x45 && b(2) === 0xdf && b(3) === 0xa3) return 'video/webm';
  // ISO BMFF: size(4) 'ftyp'
  if (b(4) === 0x66 && b(5) === 0x74 && b(6) === 0x79 && b(7) === 0x70) return 'video/mp4';
  // MP3: ID3 tag or an MPEG audio frame sync
  if (b(0) === 0x49 && b(1) === 0x44 && b(2) === 0x33) return 'audio/mpeg';
  if (b(0) === 0xff && (b(1) & 0xe0) === 0xe0) return 'audio/mpeg';
  return undefined;
}
