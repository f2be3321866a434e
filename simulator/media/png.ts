/**
 * PNG encoder for the simulator's generated pictures, and the shared "portrait" painter that the MP4 and GIF
 * encoders use too (kept here so that the media module stays a small set of files).
 *
 * The portrait is painted into an indexed canvas (one palette index per pixel): a seed-derived vertical gradient,
 * a head with hair, eyes and a mouth, a neck and shoulders, and an optional label bar. Everything is derived from a
 * SHA-256 of the seed, so the same seed always gives the same bytes and different seeds give visibly different
 * pictures. Painting is a few integer loops over bounding boxes: a 512x512 PNG renders in a few milliseconds.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface PngOptions {
  width: number;
  height: number;
  seed: string;
  /** Text drawn in a bar at the bottom (A-Z, 0-9 and a little punctuation; other characters show as '?'). */
  label?: string;
}

/** Mouth shapes of the talking portrait: 0 closed, 1 half open, 2 open. */
export type MouthState = 0 | 1 | 2;

export interface PortraitOptions {
  width: number;
  height: number;
  seed: string;
  label?: string;
  /** Default 0 (closed). */
  mouth?: MouthState;
}

/** A painted picture: `pixels[y * width + x]` indexes `palette` (RGB triples, at most 128 entries). */
export interface Portrait {
  width: number;
  height: number;
  pixels: Uint8Array;
  /** Flat RGB triples: entry i is palette[3i], palette[3i+1], palette[3i+2]. */
  palette: Uint8Array;
  /** Number of palette entries in use. */
  colors: number;
  /** Pixel rectangle (half-open) that contains every pixel that differs between mouth states. */
  mouthBox: { x0: number; y0: number; x1: number; y1: number };
}

/** Largest side accepted by the painters (the H.264 encoder has its own, smaller, limits). */
export const MAX_PICTURE_SIDE = 16384;

// Palette layout.
const GRADIENT_STEPS = 96;
const HAIR = GRADIENT_STEPS;
const SKIN = GRADIENT_STEPS + 1;
const SKIN_SHADE = GRADIENT_STEPS + 2;
const SHIRT = GRADIENT_STEPS + 3;
const EYE = GRADIENT_STEPS + 4;
const MOUTH = GRADIENT_STEPS + 5;
const LABEL_BAR = GRADIENT_STEPS + 6;
const LABEL_TEXT = GRADIENT_STEPS + 7;
const COLLAR = GRADIENT_STEPS + 8;
const PALETTE_SIZE = GRADIENT_STEPS + 9;

/** Validates picture dimensions; throws RangeError. */
export function checkDimensions(width: number, height: number): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_PICTURE_SIDE) {
      throw new RangeError(`${name} must be an integer between 1 and ${MAX_PICTURE_SIDE}, got ${v}`);
    }
  }
}

/** SHA-256 of the seed, as bytes. */
export function seedBytes(seed: string, salt = ''): Buffer {
  return createHash('sha256').update(salt).update('\0').update(seed, 'utf8').digest();
}

/** Small deterministic PRNG (mulberry32) seeded from a string. Returns floats in [0, 1). */
export function seededRandom(seed: string, salt = ''): () => number {
  let a = seedBytes(seed, salt).readUInt32BE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  // h in [0, 360), s and l in [0, 1]
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  let r = 0;
  let g = 0;
  let b = 0;
  if (hp < 1) [r, g, b] = [c, x, 0];
  else if (hp < 2) [r, g, b] = [x, c, 0];
  else if (hp < 3) [r, g, b] = [0, c, x];
  else if (hp < 4) [r, g, b] = [0, x, c];
  else if (hp < 5) [r, g, b] = [x, 0, c];
  else [r, g, b] = [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const SKIN_TONES: ReadonlyArray<readonly [number, number, number]> = [
  [255, 219, 172],
  [241, 194, 125],
  [224, 172, 105],
  [198, 134, 66],
  [141, 85, 36],
  [92, 58, 33],
];

/** 5x7 bitmap font: each glyph is 7 rows of 5 bits (bit 4 = leftmost column). */
const FONT: Record<string, readonly number[]> = (() => {
  const rows: Record<string, string> = {
    A: '01110 10001 10001 11111 10001 10001 10001',
    B: '11110 10001 10001 11110 10001 10001 11110',
    C: '01110 10001 10000 10000 10000 10001 01110',
    D: '11100 10010 10001 10001 10001 10010 11100',
    E: '11111 10000 10000 11110 10000 10000 11111',
    F: '11111 10000 10000 11110 10000 10000 10000',
    G: '01110 10001 10000 10111 10001 10001 01111',
    H: '10001 10001 10001 11111 10001 10001 10001',
    I: '01110 00100 00100 00100 00100 00100 01110',
    J: '00111 00010 00010 00010 00010 10010 01100',
    K: '10001 10010 10100 11000 10100 10010 10001',
    L: '10000 10000 10000 10000 10000 10000 11111',
    M: '10001 11011 10101 10101 10001 10001 10001',
    N: '10001 10001 11001 10101 10011 10001 10001',
    O: '01110 10001 10001 10001 10001 10001 01110',
    P: '11110 10001 10001 11110 10000 10000 10000',
    Q: '01110 10001 10001 10001 10101 10010 01101',
    R: '11110 10001 10001 11110 10100 10010 10001',
    S: '01111 10000 10000 01110 00001 00001 11110',
    T: '11111 00100 00100 00100 00100 00100 00100',
    U: '10001 10001 10001 10001 10001 10001 01110',
    V: '10001 10001 10001 10001 10001 01010 00100',
    W: '10001 10001 10001 10101 10101 10101 01010',
    X: '10001 10001 01010 00100 01010 10001 10001',
    Y: '10001 10001 10001 01010 00100 00100 00100',
    Z: '11111 00001 00010 00100 01000 10000 11111',
    '0': '01110 10001 10011 10101 11001 10001 01110',
    '1': '00100 01100 00100 00100 00100 00100 01110',
    '2': '01110 10001 00001 00010 00100 01000 11111',
    '3': '11111 00010 00100 00010 00001 10001 01110',
    '4': '00010 00110 01010 10010 11111 00010 00010',
    '5': '11111 10000 11110 00001 00001 10001 01110',
    '6': '00110 01000 10000 11110 10001 10001 01110',
    '7': '11111 00001 00010 00100 01000 01000 01000',
    '8': '01110 10001 10001 01110 10001 10001 01110',
    '9': '01110 10001 10001 01111 00001 00010 01100',
    ' ': '00000 00000 00000 00000 00000 00000 00000',
    '-': '00000 00000 00000 11111 00000 00000 00000',
    _: '00000 00000 00000 00000 00000 00000 11111',
    '.': '00000 00000 00000 00000 00000 01100 01100',
    ',': '00000 00000 00000 00000 01100 00100 01000',
    ':': '00000 01100 01100 00000 01100 01100 00000',
    '/': '00000 00001 00010 00100 01000 10000 00000',
    '#': '01010 01010 11111 01010 11111 01010 01010',
    '!': '00100 00100 00100 00100 00100 00000 00100',
    '?': '01110 10001 00001 00010 00100 00000 00100',
    "'": '00100 00100 01000 00000 00000 00000 00000',
    '(': '00010 00100 01000 01000 01000 00100 00010',
    ')': '01000 00100 00010 00010 00010 00100 01000',
    '+': '00000 00100 00100 11111 00100 00100 00000',
    '=': '00000 00000 11111 00000 11111 00000 00000',
    '@': '01110 10001 10111 10101 10111 10000 01110',
  };
  const out: Record<string, number[]> = {};
  for (const [ch, spec] of Object.entries(rows)) out[ch] = spec.split(' ').map((r) => parseInt(r, 2));
  return out;
})();

function glyph(ch: string): readonly number[] {
  return FONT[ch.toUpperCase()] ?? FONT['?'] ?? [];
}

/** Paints the seed's portrait into an indexed canvas. */
export function renderPortrait(opts: PortraitOptions): Portrait {
  const { width: w, height: h, seed } = opts;
  checkDimensions(w, h);
  const mouth = opts.mouth ?? 0;
  const d = seedBytes(seed, 'portrait');
  const byte = (i: number): number => d[i % d.length] ?? 0;
  const unit = (i: number): number => byte(i) / 255;

  // Palette.
  const palette = new Uint8Array(PALETTE_SIZE * 3);
  const set = (i: number, [r, g, b]: readonly [number, number, number]): void => {
    palette[i * 3] = r;
    palette[i * 3 + 1] = g;
    palette[i * 3 + 2] = b;
  };
  const hue = unit(0) * 360;
  const top = hsl(hue, 0.45 + unit(1) * 0.4, 0.62 + unit(2) * 0.2);
  const bottom = hsl(hue + 40 + unit(3) * 140, 0.4 + unit(4) * 0.4, 0.22 + unit(5) * 0.2);
  for (let i = 0; i < GRADIENT_STEPS; i++) {
    const t = i / (GRADIENT_STEPS - 1);
    set(i, [
      Math.round(top[0] + (bottom[0] - top[0]) * t),
      Math.round(top[1] + (bottom[1] - top[1]) * t),
      Math.round(top[2] + (bottom[2] - top[2]) * t),
    ]);
  }
  const skin = SKIN_TONES[byte(6) % SKIN_TONES.length] ?? [224, 172, 105];
  set(HAIR, hsl(20 + unit(7) * 30, 0.3 + unit(8) * 0.5, 0.08 + unit(9) * 0.45));
  set(SKIN, skin);
  set(SKIN_SHADE, [Math.round(skin[0] * 0.82), Math.round(skin[1] * 0.78), Math.round(skin[2] * 0.75)]);
  set(SHIRT, hsl(hue + 180 + unit(10) * 90, 0.35 + unit(11) * 0.5, 0.25 + unit(12) * 0.35));
  set(EYE, [30, 30, 40]);
  set(MOUTH, [150, 40, 50]);
  set(LABEL_BAR, [20, 20, 28]);
  set(LABEL_TEXT, [245, 245, 245]);
  set(COLLAR, [235, 235, 235]);

  const pixels = new Uint8Array(w * h);
  // Background gradient, row by row.
  for (let y = 0; y < h; y++) {
    const idx = h === 1 ? 0 : Math.round((y * (GRADIENT_STEPS - 1)) / (h - 1));
    pixels.fill(idx, y * w, (y + 1) * w);
  }

  const fillEllipse = (cx: number, cy: number, rx: number, ry: number, color: number, maxY = h): void => {
    if (rx <= 0 || ry <= 0) return;
    const y0 = Math.max(0, Math.ceil(cy - ry));
    const y1 = Math.min(maxY - 1, Math.floor(cy + ry));
    for (let y = y0; y <= y1; y++) {
      const dy = (y + 0.5 - cy) / ry;
      const k = 1 - dy * dy;
      if (k <= 0) continue;
      const half = rx * Math.sqrt(k);
      const x0 = Math.max(0, Math.round(cx - half));
      const x1 = Math.min(w, Math.round(cx + half));
      if (x1 > x0) pixels.fill(color, y * w + x0, y * w + x1);
    }
  };
  const fillRect = (x0: number, y0: number, x1: number, y1: number, color: number): void => {
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(h, Math.round(y1));
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(w, Math.round(x1));
    if (xb <= xa) return;
    for (let y = ya; y < yb; y++) pixels.fill(color, y * w + xa, y * w + xb);
  };

  const m = Math.min(w, h);
  const r = m * (0.16 + unit(13) * 0.05);
  const cx = w / 2 + (unit(14) - 0.5) * w * 0.12;
  const cy = h * 0.42 + (unit(15) - 0.5) * h * 0.06;

  // Shoulders and neck, then hair behind the head, then the head.
  fillEllipse(cx, cy + r * 2.55, r * (1.85 + unit(16) * 0.35), r * 1.35, SHIRT);
  fillEllipse(cx, cy + r * 1.3, r * 0.55, r * 0.35, COLLAR);
  fillRect(cx - r * 0.32, cy + r * 0.6, cx + r * 0.32, cy + r * 1.35, SKIN_SHADE);
  const hairStyle = byte(17) % 3;
  const hairLong = hairStyle === 2;
  fillEllipse(cx, cy - r * 0.08, r * 1.1, r * 1.12, HAIR, hairLong ? Math.round(cy + r * 1.1) : h);
  if (hairLong) fillRect(cx - r * 1.1, cy, cx + r * 1.1, cy + r * 1.1, HAIR);
  fillEllipse(cx, cy + r * 0.05, r * 0.92, r, SKIN);
  if (hairStyle !== 1) fillEllipse(cx, cy - r * 0.72, r * 0.8, r * 0.35, HAIR); // fringe
  fillEllipse(cx - r * 0.92, cy + r * 0.1, r * 0.12, r * 0.2, SKIN_SHADE); // ears
  fillEllipse(cx + r * 0.92, cy + r * 0.1, r * 0.12, r * 0.2, SKIN_SHADE);

  // Eyes and nose.
  const eyeR = Math.max(1, r * 0.1);
  fillEllipse(cx - r * 0.36, cy - r * 0.05, eyeR, eyeR, EYE);
  fillEllipse(cx + r * 0.36, cy - r * 0.05, eyeR, eyeR, EYE);
  fillRect(cx - r * 0.05, cy + r * 0.05, cx + r * 0.05, cy + r * 0.3, SKIN_SHADE);

  // Mouth: the only part that changes between mouth states; mouthBox bounds it (all states).
  const mcx = cx;
  const mcy = cy + r * 0.55;
  const mrx = r * 0.32;
  const mryMax = r * 0.2;
  const mry = [Math.max(0.75, r * 0.035), r * 0.11, mryMax][mouth] ?? mryMax;
  const mouthBox = {
    x0: Math.max(0, Math.floor(mcx - mrx) - 1),
    y0: Math.max(0, Math.floor(mcy - mryMax) - 1),
    x1: Math.min(w, Math.ceil(mcx + mrx) + 1),
    y1: Math.min(h, Math.ceil(mcy + mryMax) + 1),
  };
  if (mouthBox.x1 <= mouthBox.x0 || mouthBox.y1 <= mouthBox.y0) {
    mouthBox.x0 = mouthBox.y0 = mouthBox.x1 = mouthBox.y1 = 0;
  }
  fillEllipse(mcx, mcy, mrx, mry, MOUTH);

  // Label bar.
  const label = opts.label ?? '';
  if (label.length > 0) {
    const scale = Math.max(1, Math.floor(m / 160));
    const barH = 11 * scale;
    if (barH < h) {
      const barTop = h - barH;
      fillRect(0, barTop, w, h, LABEL_BAR);
      const maxChars = Math.floor((w - 2 * scale) / (6 * scale));
      const text = label.length > maxChars ? label.slice(0, Math.max(0, maxChars)) : label;
      const textW = text.length * 6 * scale - scale;
      let x = Math.max(0, Math.floor((w - textW) / 2));
      const y = barTop + 2 * scale;
      for (const ch of text) {
        const g = glyph(ch);
        for (let row = 0; row < 7; row++) {
          const bits = g[row] ?? 0;
          for (let col = 0; col < 5; col++) {
            if (bits & (16 >> col)) {
              fillRect(
                x + col * scale,
                y + row * scale,
                x + (col + 1) * scale,
                y + (row + 1) * scale,
                LABEL_TEXT,
              );
            }
          }
        }
        x += 6 * scale;
      }
      // The label never changes, so keep it out of the mouth box.
      if (mouthBox.y1 > barTop) mouthBox.y1 = Math.max(mouthBox.y0, barTop);
    }
  }

  return { width: w, height: h, pixels, palette, colors: PALETTE_SIZE, mouthBox };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as used by PNG and zip). */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const buf of parts) {
    for (let i = 0; i < buf.length; i++) c = (CRC_TABLE[(c ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(head.subarray(4), data), 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Renders the seed's portrait as an 8-bit RGB PNG. Same options -> identical bytes. */
export function renderPng(opts: { width: number; height: number; seed: string; label?: string }): Buffer {
  const { width, height } = opts;
  const pic = renderPortrait({ width, height, seed: opts.seed, label: opts.label });
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  const { pixels, palette } = pic;
  for (let y = 0; y < height; y++) {
    let o = y * stride;
    raw[o++] = 0; // filter: None
    let p = y * width;
    const end = p + width;
    for (; p < end; p++) {
      const c = (pixels[p] ?? 0) * 3;
      raw[o++] = palette[c] ?? 0;
      raw[o++] = palette[c + 1] ?? 0;
      raw[o++] = palette[c + 2] ?? 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace
  const idat = deflateSync(raw, { level: 6 });
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
