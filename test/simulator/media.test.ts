import { inflateSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import type * as Mp4boxModule from 'mp4box' with { 'resolution-mode': 'require' };
import { mp4Size, renderGif, renderMp4, renderPng, streamMp4, type Mp4Options } from '../../simulator/media';
import { lzwEncode } from '../../simulator/media/gif';

// mp4box ships its typings only behind package.json "exports", which this project's moduleResolution (node10)
// does not read; the runtime require goes through "exports" and loads the CommonJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mp4box = require('mp4box') as typeof Mp4boxModule;

// ---------------------------------------------------------------------------------------------------------------
// Helpers: CRC, PNG reader

function crc32Reference(bytes: Uint8Array): number {
  // Bitwise CRC-32 (independent of the table-driven one under test).
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface PngChunk {
  type: string;
  data: Buffer;
}

function readPngChunks(png: Buffer): PngChunk[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: PngChunk[] = [];
  let o = 8;
  while (o < png.length) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    const crc = png.readUInt32BE(o + 8 + len);
    expect(crc).toBe(crc32Reference(png.subarray(o + 4, o + 8 + len)));
    chunks.push({ type, data });
    o += 12 + len;
  }
  expect(o).toBe(png.length);
  return chunks;
}

/** Decodes one of our PNGs (RGB, 8 bit, filter type None) to RGB bytes. */
function decodePng(png: Buffer): { width: number; height: number; rgb: Buffer } {
  const chunks = readPngChunks(png);
  const ihdr = chunks[0];
  if (!ihdr || ihdr.type !== 'IHDR') throw new Error('no IHDR');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  expect(raw.length).toBe(height * (1 + 3 * width));
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * (1 + 3 * width);
    expect(raw[row]).toBe(0);
    raw.copy(rgb, y * width * 3, row + 1, row + 1 + 3 * width);
  }
  return { width, height, rgb };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers: ISO BMFF and H.264

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

function parseWithMp4box(file: Buffer): { info: Mp4boxModule.Movie; iso: Mp4boxModule.ISOFile } {
  const iso = mp4box.createFile();
  let info: Mp4boxModule.Movie | undefined;
  let error: unknown;
  iso.onReady = (i) => {
    info = i;
  };
  iso.onError = (_module: string, message: string) => {
    error = message;
  };
  const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.length) as ArrayBuffer;
  iso.appendBuffer(mp4box.MP4BoxBuffer.fromArrayBuffer(ab, 0));
  iso.flush();
  expect(error).toBeUndefined();
  if (!info) throw new Error('mp4box: onReady was not called');
  return { info, iso };
}

/** Finds a box by path (e.g. ['moov', 'trak', 'mdia']) with a minimal ISO BMFF walker. */
function findBox(buf: Buffer, path: string[], start = 0, end = buf.length): Buffer | undefined {
  let o = start;
  while (o + 8 <= end) {
    let size = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(o + 8));
      header = 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (type === path[0]) {
      if (path.length === 1) return buf.subarray(o + header, o + size);
      // Children of stsd start after version/flags and entry_count; of avc1 after the 78-byte visual entry.
      const skip = type === 'stsd' ? 8 : type === 'avc1' ? 78 : 0;
      return findBox(buf, path.slice(1), o + header + skip, o + size);
    }
    o += size;
  }
  return undefined;
}

function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** Exp-Golomb bit reader over an RBSP. */
class BitReader {
  pos = 0;
  private readonly lastOne: number;

  constructor(private readonly buf: Uint8Array) {
    let last = buf.length * 8 - 1;
    while (last >= 0 && !this.bitAt(last)) last--;
    this.lastOne = last;
  }

  private bitAt(p: number): number {
    return ((this.buf[p >> 3] ?? 0) >> (7 - (p & 7))) & 1;
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.buf.length * 8) throw new Error('read past end of RBSP');
      v = v * 2 + this.bitAt(this.pos++);
    }
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new Error('bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }

  alignZero(): void {
    while (this.pos % 8 !== 0) expect(this.u(1)).toBe(0);
  }

  bytes(n: number): Uint8Array {
    if (this.pos % 8 !== 0) throw new Error('not aligned');
    const start = this.pos / 8;
    this.pos += n * 8;
    if (this.pos > this.buf.length * 8) throw new Error('read past end of RBSP');
    return this.buf.subarray(start, start + n);
  }

  moreRbspData(): boolean {
    return this.pos < this.lastOne;
  }

  /** rbsp_trailing_bits: a one, then zeros to the end. */
  expectTrailingBits(): void {
    expect(this.pos).toBe(this.lastOne);
    expect(this.u(1)).toBe(1);
    this.alignZero();
    expect(this.pos).toBe(this.buf.length * 8);
  }
}

interface Sps {
  profileIdc: number;
  constraintSet0: number;
  constraintSet1: number;
  levelIdc: number;
  log2MaxFrameNum: number;
  pocType: number;
  maxNumRefFrames: number;
  widthInMbs: number;
  heightInMbs: number;
  frameMbsOnly: number;
  crop: [number, number, number, number];
  width: number;
  height: number;
  fps?: number;
}

function parseSps(nal: Uint8Array): Sps {
  expect((nal[0] ?? 0) & 0x1f).toBe(7);
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.u(8);
  const constraintSet0 = r.u(1);
  const constraintSet1 = r.u(1);
  r.u(6);
  const levelIdc = r.u(8);
  expect(r.ue()).toBe(0); // sps id
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128].includes(profileIdc))
    throw new Error('high profiles not expected');
  const log2MaxFrameNum = r.ue() + 4;
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) throw new Error('poc type 1 not expected');
  const maxNumRefFrames = r.ue();
  r.u(1); // gaps
  const widthInMbs = r.ue() + 1;
  const heightInMbs = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1);
  r.u(1); // direct_8x8_inference
  const crop: [number, number, number, number] = [0, 0, 0, 0];
  if (r.u(1)) {
    crop[0] = r.ue();
    crop[1] = r.ue();
    crop[2] = r.ue();
    crop[3] = r.ue();
  }
  let fps: number | undefined;
  if (r.u(1)) {
    if (r.u(1) && r.u(8) === 255) r.u(32); // aspect ratio
    if (r.u(1)) r.u(1); // overscan
    if (r.u(1)) {
      r.u(4);
      if (r.u(1)) r.u(24);
    }
    if (r.u(1)) {
      r.ue();
      r.ue();
    }
    if (r.u(1)) {
      const numUnits = r.u(32);
      const timeScale = r.u(32);
      r.u(1);
      fps = timeScale / (2 * numUnits);
    }
    // HRD and bitstream restriction are not needed by the tests.
  } else {
    r.expectTrailingBits();
  }
  return {
    profileIdc,
    constraintSet0,
    constraintSet1,
    levelIdc,
    log2MaxFrameNum,
    pocType,
    maxNumRefFrames,
    widthInMbs,
    heightInMbs,
    frameMbsOnly,
    crop,
    width: widthInMbs * 16 - 2 * (crop[0] + crop[1]),
    height: heightInMbs * 16 * (2 - frameMbsOnly) - 2 * (crop[2] + crop[3]),
    fps,
  };
}

interface Pps {
  deblockingFilterControlPresent: number;
}

function parsePps(nal: Uint8Array): Pps {
  expect((nal[0] ?? 0) & 0x1f).toBe(8);
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  expect(r.ue()).toBe(0);
  expect(r.ue()).toBe(0);
  expect(r.u(1)).toBe(0); // CAVLC
  r.u(1);
  expect(r.ue()).toBe(0); // one slice group
  expect(r.ue()).toBe(0); // one reference
  r.ue();
  expect(r.u(1)).toBe(0); // no weighted prediction
  r.u(2);
  r.se();
  r.se();
  r.se();
  const deblockingFilterControlPresent = r.u(1);
  r.u(1);
  expect(r.u(1)).toBe(0); // no redundant pictures
  r.expectTrailingBits();
  return { deblockingFilterControlPresent };
}

interface DecodedStream {
  sps: Sps;
  /** One picture per frame: all macroblocks' PCM samples, in macroblock order (384 bytes each). */
  frames: Uint8Array[];
  idrFrames: number[];
}

/** SPS and PPS from the avcC box (moov/trak/mdia/minf/stbl/stsd/avc1/avcC). */
function readParameterSets(file: Buffer): { sps: Sps; pps: Pps } {
  const avcC = findBox(file, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'avc1', 'avcC']);
  if (!avcC) throw new Error('no avcC');
  expect(avcC[0]).toBe(1);
  expect(avcC[4]! & 3).toBe(3); // 4-byte NAL lengths
  expect(avcC[5]! & 0x1f).toBe(1);
  const spsLen = avcC.readUInt16BE(6);
  const spsNal = avcC.subarray(8, 8 + spsLen);
  expect(avcC[8 + spsLen]).toBe(1);
  const ppsLen = avcC.readUInt16BE(9 + spsLen);
  const ppsNal = avcC.subarray(11 + spsLen, 11 + spsLen + ppsLen);
  expect([avcC[1], avcC[2], avcC[3]]).toEqual([spsNal[1], spsNal[2], spsNal[3]]);
  return { sps: parseSps(spsNal), pps: parsePps(ppsNal) };
}

/**
 * A tiny H.264 decoder for exactly what the simulator produces: IDR slices of I_PCM macroblocks, and P slices of
 * skipped and I_PCM macroblocks (all motion vectors zero). Anything else fails the test.
 */
function decodeH264(file: Buffer): DecodedStream {
  const { iso, info } = parseWithMp4box(file);
  const track = info.tracks[0];
  if (!track) throw new Error('no track');
  const { sps, pps } = readParameterSets(file);
  const numMbs = sps.widthInMbs * sps.heightInMbs;

  const frames: Uint8Array[] = [];
  const idrFrames: number[] = [];
  let picture: Uint8Array | undefined;
  let frameNumSinceIdr = 0;
  const samples = iso.getTrackSamplesInfo(track.id);
  samples.forEach((sample, index) => {
    const data = file.subarray(sample.offset, sample.offset + sample.size);
    const nalLen = data.readUInt32BE(0);
    expect(nalLen).toBe(data.length - 4); // one NAL unit per sample
    const nal = data.subarray(4);
    const nalType = (nal[0] ?? 0) & 0x1f;
    const idr = nalType === 5;
    expect(idr || nalType === 1).toBe(true);
    expect(sample.is_sync).toBe(idr);
    expect((nal[0] ?? 0) >> 5).toBeGreaterThan(0); // reference picture
    const r = new BitReader(unescapeRbsp(nal.subarray(1)));
    expect(r.ue()).toBe(0); // first_mb_in_slice
    const sliceType = r.ue();
    expect(sliceType).toBe(idr ? 7 : 5);
    expect(r.ue()).toBe(0);
    const frameNum = r.u(sps.log2MaxFrameNum);
    if (idr) {
      expect(frameNum).toBe(0);
      frameNumSinceIdr = 0;
      r.ue(); // idr_pic_id
    } else {
      frameNumSinceIdr++;
      expect(frameNum).toBe(frameNumSinceIdr % 2 ** sps.log2MaxFrameNum);
    }
    if (sps.pocType === 0) throw new Error('poc type 0 not expected');
    if (!idr) {
      expect(r.u(1)).toBe(0); // num_ref_idx_active_override_flag
      expect(r.u(1)).toBe(0); // ref_pic_list_modification_flag_l0
      expect(r.u(1)).toBe(0); // adaptive_ref_pic_marking_mode_flag
    } else {
      r.u(1);
      expect(r.u(1)).toBe(0);
    }
    r.se();
    if (pps.deblockingFilterControlPresent && r.ue() !== 1) {
      r.se();
      r.se();
    }
    if (idr) {
      idrFrames.push(index);
      picture = new Uint8Array(numMbs * 384);
    } else if (!picture) {
      throw new Error('P frame before the first IDR');
    } else {
      picture = Uint8Array.from(picture);
    }
    let mb = 0;
    let more = true;
    while (more) {
      if (!idr) {
        const skip = r.ue();
        mb += skip; // P_Skip with zero motion: keep the reference's samples
        if (skip > 0) more = r.moreRbspData();
      }
      if (more) {
        expect(r.ue()).toBe(idr ? 25 : 30); // I_PCM
        r.alignZero();
        picture.set(r.bytes(384), mb * 384);
        mb++;
        more = r.moreRbspData();
      }
    }
    expect(mb).toBe(numMbs);
    r.expectTrailingBits();
    frames.push(picture);
  });
  return { sps, frames, idrFrames };
}

/** Luma plane (cropped) of a decoded picture in macroblock order. */
function lumaPlane(sps: Sps, picture: Uint8Array): Uint8Array {
  const out = new Uint8Array(sps.width * sps.height);
  for (let y = 0; y < sps.height; y++) {
    for (let x = 0; x < sps.width; x++) {
      const mb = (y >> 4) * sps.widthInMbs + (x >> 4);
      out[y * sps.width + x] = picture[mb * 384 + (y & 15) * 16 + (x & 15)] ?? 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// GIF reader

interface GifFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  indices: Uint8Array;
}

function lzwDecode(data: Uint8Array, minCodeSize: number, expected: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const out: number[] = [];
  let size = minCodeSize + 1;
  let next = eoi + 1;
  let prev = -1;
  let bitPos = 0;
  const read = (): number => {
    let v = 0;
    for (let i = 0; i < size; i++, bitPos++) {
      if (bitPos >= data.length * 8) throw new Error('LZW data ended before the end code');
      v |= (((data[bitPos >> 3] ?? 0) >> (bitPos & 7)) & 1) << i;
    }
    return v;
  };
  const expand = (code: number): number[] => {
    const s: number[] = [];
    let c = code;
    while (c >= clear) {
      s.push(suffix[c] ?? 0);
      c = prefix[c] ?? 0;
    }
    s.push(c);
    return s.reverse();
  };
  for (;;) {
    const code = read();
    if (code === clear) {
      size = minCodeSize + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code === eoi) break;
    let seq: number[];
    if (prev < 0) {
      expect(code).toBeLessThan(clear);
      seq = [code];
    } else {
      if (code < next) seq = expand(code);
      else if (code === next) seq = [...expand(prev), expand(prev)[0] ?? 0];
      else throw new Error(`LZW code ${code} not in table (next ${next})`);
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = seq[0] ?? 0;
        next++;
        if (next === 1 << size && size < 12) size++;
      }
    }
    out.push(...seq);
    prev = code;
  }
  expect(out.length).toBe(expected);
  return Uint8Array.from(out);
}

function readGif(gif: Buffer): {
  width: number;
  height: number;
  palette: Buffer;
  frames: GifFrame[];
  loops: boolean;
} {
  expect(gif.toString('latin1', 0, 6)).toBe('GIF89a');
  const width = gif.readUInt16LE(6);
  const height = gif.readUInt16LE(8);
  const packed = gif[10] ?? 0;
  expect(packed & 0x80).toBe(0x80);
  const tableSize = 2 << (packed & 7);
  const palette = gif.subarray(13, 13 + tableSize * 3);
  let o = 13 + tableSize * 3;
  const frames: GifFrame[] = [];
  let loops = false;
  const subBlocks = (): Buffer => {
    const parts: Buffer[] = [];
    for (;;) {
      const n = gif[o++] ?? 0;
      if (n === 0) return Buffer.concat(parts);
      parts.push(gif.subarray(o, o + n));
      o += n;
    }
  };
  for (;;) {
    const intro = gif[o++];
    if (intro === 0x3b) break;
    if (intro === 0x21) {
      const label = gif[o++];
      const body = subBlocks();
      if (label === 0xff && body.toString('latin1', 0, 11) === 'NETSCAPE2.0') loops = true;
      continue;
    }
    expect(intro).toBe(0x2c);
    const frame = {
      left: gif.readUInt16LE(o),
      top: gif.readUInt16LE(o + 2),
      width: gif.readUInt16LE(o + 4),
      height: gif.readUInt16LE(o + 6),
    };
    expect(gif[o + 8]).toBe(0); // no local table, not interlaced
    o += 9;
    const minCodeSize = gif[o++] ?? 0;
    const indices = lzwDecode(subBlocks(), minCodeSize, frame.width * frame.height);
    frames.push({ ...frame, indices });
  }
  expect(o).toBe(gif.length); // trailer is the last byte
  return { width, height, palette, frames, loops };
}

// ---------------------------------------------------------------------------------------------------------------
// Tests

describe('renderPng', () => {
  test('is a valid 8-bit RGB PNG with correct CRCs and IDAT size', () => {
    const png = renderPng({ width: 320, height: 200, seed: 'avatar-1', label: 'Look 1' });
    const chunks = readPngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]!.data;
    expect(ihdr.length).toBe(13);
    expect(ihdr.readUInt32BE(0)).toBe(320);
    expect(ihdr.readUInt32BE(4)).toBe(200);
    expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    expect(inflateSync(chunks[1]!.data).length).toBe(200 * (1 + 3 * 320));
    expect(chunks[2]!.data.length).toBe(0);
  });

  test('is deterministic by seed and differs between seeds', () => {
    const a = renderPng({ width: 128, height: 128, seed: 'alice' });
    expect(renderPng({ width: 128, height: 128, seed: 'alice' }).equals(a)).toBe(true);
    const b = decodePng(renderPng({ width: 128, height: 128, seed: 'bob' })).rgb;
    const ra = decodePng(a).rgb;
    let differing = 0;
    for (let i = 0; i < ra.length; i++) if (ra[i] !== b[i]) differing++;
    expect(differing).toBeGreaterThan(ra.length / 4); // different background, not a few pixels
    expect(renderPng({ width: 128, height: 128, seed: 'alice', label: 'Hi' }).equals(a)).toBe(false);
  });

  test('draws more than a flat image', () => {
    const { rgb } = decodePng(renderPng({ width: 64, height: 96, seed: 'shape' }));
    const colors = new Set<number>();
    for (let i = 0; i < rgb.length; i += 3) colors.add((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!);
    expect(colors.size).toBeGreaterThan(10);
  });

  test('handles odd and tiny sizes', () => {
    for (const [w, h] of [
      [1, 1],
      [3, 7],
      [333, 17],
    ] as const) {
      const { width, height } = decodePng(renderPng({ width: w, height: h, seed: 'x', label: 'LABEL' }));
      expect([width, height]).toEqual([w, h]);
    }
    expect(() => renderPng({ width: 0, height: 10, seed: 'x' })).toThrow(RangeError);
  });
});

describe('renderMp4 / streamMp4', () => {
  test.each([
    [640, 360, 3, undefined],
    [200, 150, 2.5, 10],
    [320, 240, 1, 30],
  ] as const)('%ix%i, %ss at %s fps: container parsed by mp4box', (width, height, durationSeconds, fps) => {
    const opts: Mp4Options = { width, height, durationSeconds, seed: 'mp4-box', ...(fps ? { fps } : {}) };
    const file = renderMp4(opts);
    expect(file.length).toBe(mp4Size(opts));
    const { info, iso } = parseWithMp4box(file);
    expect(info.isFragmented).toBe(false);
    expect(info.isProgressive).toBe(true); // moov before mdat
    expect(info.tracks).toHaveLength(1);
    const track = info.tracks[0]!;
    expect(track.codec).toMatch(/^avc1\.42c0[0-9a-f]{2}$/); // Constrained Baseline
    expect(track.video).toEqual({ width, height });
    expect(track.track_width).toBe(width);
    expect(track.track_height).toBe(height);
    const frames = Math.round(durationSeconds * (fps ?? 10));
    expect(track.nb_samples).toBe(frames);
    expect(Math.abs(track.duration / track.timescale - durationSeconds)).toBeLessThanOrEqual(1 / (fps ?? 10));
    expect(Math.abs(info.duration / info.timescale - durationSeconds)).toBeLessThanOrEqual(1 / (fps ?? 10));
    const samples = iso.getTrackSamplesInfo(track.id);
    expect(samples).toHaveLength(frames);
    expect(samples.filter((s) => s.is_sync).map((s) => s.number)).toEqual([0]);
    const last = samples[samples.length - 1]!;
    expect(last.offset + last.size).toBe(file.length); // mdat is the last box and holds exactly the samples
  });

  test('SPS and PPS describe a Constrained Baseline stream with the right size and cropping', () => {
    const file = renderMp4({ width: 200, height: 150, durationSeconds: 1, fps: 25, seed: 'sps' });
    const { sps } = decodeH264(file);
    expect(sps.profileIdc).toBe(66);
    expect(sps.constraintSet0).toBe(1);
    expect(sps.constraintSet1).toBe(1);
    expect(sps.widthInMbs).toBe(13);
    expect(sps.heightInMbs).toBe(10);
    expect(sps.frameMbsOnly).toBe(1);
    expect(sps.crop).toEqual([0, 4, 0, 5]);
    expect([sps.width, sps.height]).toEqual([200, 150]);
    expect(sps.fps).toBe(25);

    const hd = readParameterSets(
      renderMp4({ width: 1920, height: 1080, durationSeconds: 0.2, seed: 'hd' }),
    ).sps;
    expect([hd.widthInMbs, hd.heightInMbs, hd.width, hd.height]).toEqual([120, 68, 1920, 1080]);
    expect(hd.crop).toEqual([0, 0, 0, 4]);
    expect(hd.levelIdc).toBeGreaterThanOrEqual(40);
  });

  test('the IDR frame carries the portrait (luma matches the PNG)', () => {
    const opts = { width: 96, height: 64, seed: 'portrait', label: 'Hi' };
    const { sps, frames } = decodeH264(renderMp4({ ...opts, durationSeconds: 0.1 }));
    const luma = lumaPlane(sps, frames[0]!);
    const { rgb } = decodePng(renderPng(opts));
    let totalError = 0;
    for (let i = 0; i < luma.length; i++) {
      const y = 16 + (65.481 * rgb[i * 3]! + 128.553 * rgb[i * 3 + 1]! + 24.966 * rgb[i * 3 + 2]!) / 255;
      totalError += Math.abs(luma[i]! - Math.min(235, Math.max(16, y)));
    }
    expect(totalError / luma.length).toBeLessThan(1);
  });

  test('P frames (skips + I_PCM mouth updates) decode to the same pictures as all-IDR coding', () => {
    const base: Mp4Options = { width: 160, height: 112, durationSeconds: 6, fps: 10, seed: 'talk' };
    const p = decodeH264(renderMp4(base));
    const i = decodeH264(renderMp4({ ...base, keyframeIntervalSeconds: 0.1 }));
    expect(p.idrFrames).toEqual([0]);
    expect(i.idrFrames).toHaveLength(60);
    expect(p.frames).toHaveLength(60);
    for (let f = 0; f < 60; f++) expect(Buffer.compare(p.frames[f]!, i.frames[f]!)).toBe(0);
    // The mouth moves: not every frame is the same picture.
    const distinct = new Set(p.frames.map((f) => Buffer.from(f).toString('base64')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  test('keyframeIntervalSeconds repeats full IDR frames', () => {
    const opts: Mp4Options = {
      width: 320,
      height: 180,
      durationSeconds: 10,
      seed: 'kf',
      keyframeIntervalSeconds: 2,
    };
    const file = renderMp4(opts);
    const { iso, info } = parseWithMp4box(file);
    const samples = iso.getTrackSamplesInfo(info.tracks[0]!.id);
    expect(samples.filter((s) => s.is_sync).map((s) => s.number)).toEqual([0, 20, 40, 60, 80]);
    const mbBytes = 20 * 12 * 386;
    for (const s of samples) if (s.is_sync) expect(s.size).toBeGreaterThan(mbBytes);
    expect(file.length).toBeGreaterThan(5 * mbBytes);
    expect(decodeH264(file).idrFrames).toEqual([0, 20, 40, 60, 80]);
  });

  test('stream and buffer are byte-identical, also for byte ranges', async () => {
    const opts: Mp4Options = {
      width: 240,
      height: 136,
      durationSeconds: 8,
      seed: 'stream',
      keyframeIntervalSeconds: 3,
    };
    const file = renderMp4(opts);
    expect(renderMp4({ ...opts }).equals(file)).toBe(true);
    const streamed = await collect(streamMp4(opts));
    expect(streamed.length).toBe(file.length);
    expect(streamed.equals(file)).toBe(true);
    for (const [start, end] of [
      [0, 0],
      [0, 1023],
      [500, 70_000],
      [file.length - 100, file.length - 1],
      [1234, undefined],
    ] as const) {
      const part = await collect(streamMp4(opts, { start, end }));
      expect(part.equals(file.subarray(start, end === undefined ? undefined : end + 1))).toBe(true);
    }
  });

  test('is deterministic by seed', () => {
    const a = renderMp4({ width: 64, height: 64, durationSeconds: 1, seed: 'a' });
    expect(renderMp4({ width: 64, height: 64, durationSeconds: 1, seed: 'a' }).equals(a)).toBe(true);
    expect(renderMp4({ width: 64, height: 64, durationSeconds: 1, seed: 'b' }).equals(a)).toBe(false);
  });

  test('plans big files without rendering them', () => {
    const opts: Mp4Options = {
      width: 1280,
      height: 720,
      durationSeconds: 600,
      fps: 30,
      seed: 'big',
      keyframeIntervalSeconds: 1,
    };
    const size = mp4Size(opts);
    expect(size).toBeGreaterThan(600 * 80 * 45 * 386);
    // The head of the stream (ftyp + moov) is enough for mp4box to describe the file.
    const stream = streamMp4(opts, { start: 0, end: 2_000_000 });
    return collect(stream).then((head) => {
      const iso = mp4box.createFile();
      let info: Mp4boxModule.Movie | undefined;
      iso.onReady = (i) => {
        info = i;
      };
      const ab = head.buffer.slice(head.byteOffset, head.byteOffset + head.length) as ArrayBuffer;
      iso.appendBuffer(mp4box.MP4BoxBuffer.fromArrayBuffer(ab, 0));
      expect(info?.tracks[0]?.nb_samples).toBe(18000);
      expect(info?.tracks[0]?.video).toEqual({ width: 1280, height: 720 });
    });
  });

  test('rejects invalid options', () => {
    expect(() => renderMp4({ width: 641, height: 360, durationSeconds: 1, seed: 'x' })).toThrow(RangeError);
    expect(() => renderMp4({ width: 640, height: 360, durationSeconds: 0, seed: 'x' })).toThrow(RangeError);
    expect(() => mp4Size({ width: 640, height: 360, durationSeconds: 1, fps: 0, seed: 'x' })).toThrow(
      RangeError,
    );
    expect(() => streamMp4({ width: 8192, height: 360, durationSeconds: 1, seed: 'x' })).toThrow(RangeError);
  });
});

describe('renderGif', () => {
  test('is a valid animated GIF89a whose frames decode (LZW) to the portrait', () => {
    const gif = renderGif({ width: 120, height: 90, seed: 'gif', label: 'GIF' });
    expect(gif.toString('latin1', 0, 6)).toBe('GIF89a');
    expect(gif.readUInt16LE(6)).toBe(120);
    expect(gif.readUInt16LE(8)).toBe(90);
    expect(gif[gif.length - 1]).toBe(0x3b);
    const parsed = readGif(gif);
    expect(parsed.loops).toBe(true);
    expect(parsed.frames.length).toBeGreaterThan(1);
    const first = parsed.frames[0]!;
    expect([first.left, first.top, first.width, first.height]).toEqual([0, 0, 120, 90]);
    for (const f of parsed.frames) {
      expect(f.left + f.width).toBeLessThanOrEqual(120);
      expect(f.top + f.height).toBeLessThanOrEqual(90);
    }
    // The first frame is exactly the PNG's picture.
    const { rgb } = decodePng(renderPng({ width: 120, height: 90, seed: 'gif', label: 'GIF' }));
    const fromGif = Buffer.alloc(rgb.length);
    first.indices.forEach((idx, i) => parsed.palette.copy(fromGif, i * 3, idx * 3, idx * 3 + 3));
    expect(fromGif.equals(rgb)).toBe(true);
  });

  test('LZW round-trips through table resets and every code width', () => {
    let state = 42;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 16;
    };
    for (const [minCodeSize, length] of [
      [2, 1],
      [2, 5000],
      [7, 60_000],
      [8, 100_000],
    ] as const) {
      const input = new Uint8Array(length);
      for (let i = 0; i < length; i++) input[i] = i % 5 === 0 ? random() % (1 << minCodeSize) : random() % 3;
      expect([...lzwDecode(lzwEncode(input, minCodeSize), minCodeSize, length)]).toEqual([...input]);
    }
  });

  test('still GIF, deterministic by seed', () => {
    const opts = { width: 640, height: 480, seed: 'still', animated: false };
    const gif = renderGif(opts);
    expect(renderGif(opts).equals(gif)).toBe(true);
    expect(renderGif({ ...opts, seed: 'other' }).equals(gif)).toBe(false);
    const parsed = readGif(gif);
    expect(parsed.loops).toBe(false);
    expect(parsed.frames).toHaveLength(1);
    expect([parsed.width, parsed.height]).toEqual([640, 480]);
  });
});
