/**
 * GIF89a encoder for the seed's portrait (see ./png.ts), with a real variable-width LZW coder.
 *
 * By default the GIF is a small looping "talking" animation: one full frame, then frames that only repaint the
 * rectangle around the mouth (disposal "do not dispose"), so the file stays close to the size of a still image.
 */
import { renderPortrait, type MouthState } from './png';

export interface GifOptions {
  width: number;
  height: number;
  seed: string;
  label?: string;
  /** Default true: a looping talking animation. false: a single still frame. */
  animated?: boolean;
}

/** Mouth shapes of the animation and the delay after each frame, in 1/100 s. */
const ANIMATION: ReadonlyArray<readonly [MouthState, number]> = [
  [0, 60],
  [1, 12],
  [2, 12],
  [1, 12],
  [0, 10],
  [2, 14],
  [1, 12],
  [0, 40],
];

class ByteSink {
  private buf = new Uint8Array(1024);
  length = 0;

  push(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * GIF LZW: codes start at minCodeSize + 1 bits and grow to 12; the table is reset with a clear code when full.
 * Returns the raw code stream (not yet split into sub-blocks).
 */
export function lzwEncode(indices: Uint8Array, minCodeSize: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const alphabet = clear;
  const dict = new Int16Array(4096 * alphabet); // (prefix code, next index) -> code; 0 = absent
  const out = new ByteSink();
  let size = minCodeSize + 1;
  let next = eoi + 1;
  let acc = 0;
  let nacc = 0;
  const write = (code: number): void => {
    acc |= code << nacc;
    nacc += size;
    while (nacc >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      nacc -= 8;
    }
  };
  // The decoder adds a table entry for every code but the first after a clear, one step behind the encoder.
  const grow = (): void => {
    next++;
    if (next > 1 << size && size < 12) size++;
  };

  write(clear);
  if (indices.length > 0) {
    let prefix = indices[0] ?? 0;
    for (let i = 1; i < indices.length; i++) {
      const k = indices[i] ?? 0;
      const key = prefix * alphabet + k;
      const code = dict[key] ?? 0;
      if (code !== 0) {
        prefix = code;
        continue;
      }
      write(prefix);
      if (next < 4096) {
        dict[key] = next;
        grow();
      } else {
        write(clear);
        dict.fill(0);
        size = minCodeSize + 1;
        next = eoi + 1;
      }
      prefix = k;
    }
    write(prefix);
    // Keep the code width in step with the decoder, which adds one more entry when it reads the last code.
    if (next < 4096) grow();
  }
  write(eoi);
  if (nacc > 0) out.push(acc & 0xff);
  return out.bytes();
}

function subBlocks(data: Uint8Array, sink: number[]): void {
  for (let i = 0; i < data.length; i += 255) {
    const n = Math.min(255, data.length - i);
    sink.push(n);
    for (let j = 0; j < n; j++) sink.push(data[i + j] ?? 0);
  }
  sink.push(0);
}

function u16(sink: number[], v: number): void {
  sink.push(v & 0xff, (v >> 8) & 0xff);
}

/** Renders the seed's portrait as a GIF89a (animated by default). Same options -> identical bytes. */
export function renderGif(opts: GifOptions): Buffer {
  const { width, height, seed, label } = opts;
  const animated = opts.animated ?? true;
  const first = renderPortrait({ width, height, seed, label, mouth: 0 });
  // Global colour table: the smallest power of two (>= 2) that holds the palette.
  let bits = 1;
  while (1 << bits < first.colors) bits++;
  const tableSize = 1 << bits;
  const minCodeSize = Math.max(2, bits);

  const head: number[] = [];
  for (const ch of 'GIF89a') head.push(ch.charCodeAt(0));
  u16(head, width);
  u16(head, height);
  head.push(0x80 | ((bits - 1) << 4) | (bits - 1), 0, 0); // GCT present, colour resolution, GCT size; bg; aspect
  for (let i = 0; i < tableSize * 3; i++) head.push(i < first.colors * 3 ? (first.palette[i] ?? 0) : 0);
  if (animated) {
    head.push(0x21, 0xff, 0x0b);
    for (const ch of 'NETSCAPE2.0') head.push(ch.charCodeAt(0));
    head.push(0x03, 0x01, 0x00, 0x00, 0x00); // loop forever
  }

  const parts: Buffer[] = [Buffer.from(head)];
  const frame = (x: number, y: number, w: number, h: number, pixels: Uint8Array, delay: number): void => {
    const f: number[] = [];
    if (animated) {
      f.push(0x21, 0xf9, 0x04, 0x04); // graphic control: disposal 1 (do not dispose), no transparency
      u16(f, delay);
      f.push(0, 0);
    }
    f.push(0x2c);
    u16(f, x);
    u16(f, y);
    u16(f, w);
    u16(f, h);
    f.push(0); // no local colour table, not interlaced
    f.push(minCodeSize);
    subBlocks(lzwEncode(pixels, minCodeSize), f);
    parts.push(Buffer.from(f));
  };

  frame(0, 0, width, height, first.pixels, ANIMATION[0]?.[1] ?? 50);
  const box = first.mouthBox;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  if (animated && bw > 0 && bh > 0) {
    const states = new Map<MouthState, Uint8Array>();
    for (const [mouth, delay] of ANIMATION.slice(1)) {
      let crop = states.get(mouth);
      if (!crop) {
        const pic = mouth === 0 ? first : renderPortrait({ width, height, seed, label, mouth });
        crop = new Uint8Array(bw * bh);
        for (let y = 0; y < bh; y++) {
          const s = (box.y0 + y) * width + box.x0;
          crop.set(pic.pixels.subarray(s, s + bw), y * bw);
        }
        states.set(mouth, crop);
      }
      frame(box.x0, box.y0, bw, bh, crop, delay);
    }
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}
