/**
 * A tiny, genuinely playable MP4 (ISO BMFF) writer with its own H.264 encoder.
 *
 * The video stream is H.264 Constrained Baseline (profile_idc 66, constraint_set0/1), CAVLC, 4:2:0, 8 bit:
 *  - IDR frames are one I slice made only of I_PCM macroblocks (mb_type 25): the raw samples of the seed's portrait
 *    (see ./png.ts), so there is no transform, prediction or entropy coding to get wrong.
 *  - P frames are one P slice that skips every macroblock (mb_skip_run), except when the portrait's mouth changes
 *    shape: then the few macroblocks around the mouth are sent again as I_PCM (mb_type 30 in a P slice). All motion
 *    vectors are therefore zero and every skipped macroblock copies the previous picture. That gives a cheap
 *    "talking" animation.
 *  - With `keyframeIntervalSeconds`, a full IDR is repeated at that interval (that is what makes files big: about
 *    1.5 bytes per pixel per keyframe).
 * Frame sizes not divisible by 16 are coded as whole macroblocks and cropped in the SPS (frame_cropping).
 *
 * Container layout: ftyp, moov (fast start), mdat with 4-byte length-prefixed NAL units; SPS/PPS live in avcC.
 * The file is planned first (sample sizes, moov) without keeping the samples, so `streamMp4` can produce files of
 * any size while holding at most one frame (plus up to three macroblock images of the picture) in memory, and can
 * start at any byte offset (HTTP Range). `renderMp4` is the same byte stream collected into one Buffer.
 */
import { Readable } from 'node:stream';
import { checkDimensions, renderPortrait, seededRandom, type MouthState } from './png';

export interface Mp4Options {
  /** Even number of pixels, 2..4096. */
  width: number;
  /** Even number of pixels, 2..4096. */
  height: number;
  /** Length of the video; the file lasts round(durationSeconds * fps) frames (at least 1). Max 6 hours. */
  durationSeconds: number;
  /** Frames per second, 1..120 (fractional rates such as 29.97 are fine). Default 10. */
  fps?: number;
  seed: string;
  /** When set, a full IDR frame is repeated every that many seconds (big files). Default: only the first frame. */
  keyframeIntervalSeconds?: number;
  /** Optional caption drawn in a bar at the bottom of the picture. */
  label?: string;
}

/** Byte range of the file to produce, like fs.createReadStream: `end` is inclusive. */
export interface Mp4ByteRange {
  start?: number;
  end?: number;
}

export const DEFAULT_MP4_FPS = 10;
export const MAX_MP4_SIDE = 4096;
export const MAX_MP4_SECONDS = 6 * 3600;

const LOG2_MAX_FRAME_NUM = 16;
const MOUTH_QUANTUM_SECONDS = 0.15;
const MB_PCM_BYTES = 384; // 16x16 luma + 2 x 8x8 chroma
const OUTPUT_BATCH_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Bit writer (RBSP) and NAL packaging

class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private nacc = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra + 16));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  bit(b: number): void {
    this.acc = (this.acc << 1) | (b & 1);
    if (++this.nacc === 8) {
      this.ensure(1);
      this.buf[this.pos++] = this.acc;
      this.acc = 0;
      this.nacc = 0;
    }
  }

  /** Writes the low `n` bits of `value` (n <= 32), most significant first. */
  bits(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bit(i >= 32 ? 0 : (value >>> i) & 1);
  }

  /** Unsigned exp-Golomb. */
  ue(v: number): void {
    const x = v + 1;
    const len = 32 - Math.clz32(x);
    this.bits(0, len - 1);
    this.bits(x, len);
  }

  /** Signed exp-Golomb. */
  se(v: number): void {
    this.ue(v <= 0 ? -2 * v : 2 * v - 1);
  }

  alignZero(): void {
    while (this.nacc !== 0) this.bit(0);
  }

  /** Copies whole bytes; the writer must be byte-aligned. */
  bytes(src: Uint8Array): void {
    if (this.nacc !== 0) throw new Error('BitWriter.bytes: not byte-aligned');
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** rbsp_trailing_bits / rbsp_slice_trailing_bits (CAVLC). */
  trailingBits(): void {
    this.bit(1);
    this.alignZero();
  }

  finish(): Uint8Array {
    if (this.nacc !== 0) throw new Error('BitWriter.finish: not byte-aligned');
    return this.buf.subarray(0, this.pos);
  }
}

/** NAL unit (header byte + RBSP with emulation prevention), optionally preceded by a 4-byte big-endian length. */
function nalUnit(nalRefIdc: number, nalType: number, rbsp: Uint8Array, lengthPrefix: boolean): Buffer {
  let extra = 0;
  let zeros = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i] ?? 0;
    if (zeros >= 2 && b <= 3) {
      extra++;
      zeros = 0;
    }
    zeros = b === 0 ? zeros + 1 : 0;
  }
  const nalLen = 1 + rbsp.length + extra;
  const pre = lengthPrefix ? 4 : 0;
  const out = Buffer.allocUnsafe(pre + nalLen);
  if (lengthPrefix) out.writeUInt32BE(nalLen, 0);
  let o = pre;
  out[o++] = (nalRefIdc << 5) | nalType;
  if (extra === 0) {
    out.set(rbsp, o);
    return out;
  }
  zeros = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i] ?? 0;
    if (zeros >= 2 && b <= 3) {
      out[o++] = 3;
      zeros = 0;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parameter sets

// [level_idc, MaxMBPS, MaxFS] (Table A-1)
const LEVELS: ReadonlyArray<readonly [number, number, number]> = [
  [10, 1485, 99],
  [11, 3000, 396],
  [12, 6000, 396],
  [13, 11880, 396],
  [20, 11880, 396],
  [21, 19800, 792],
  [22, 20250, 1620],
  [30, 40500, 1620],
  [31, 108000, 3600],
  [32, 216000, 5120],
  [40, 245760, 8192],
  [42, 522240, 8704],
  [50, 589824, 22080],
  [51, 983040, 36864],
  [52, 2073600, 36864],
];

function chooseLevel(mbW: number, mbH: number, fps: number): number {
  const fs = mbW * mbH;
  for (const [level, maxMbps, maxFs] of LEVELS) {
    const maxSide = Math.sqrt(maxFs * 8);
    if (fs <= maxFs && mbW <= maxSide && mbH <= maxSide && fs * fps <= maxMbps) return level;
  }
  return 52;
}

interface StreamGeometry {
  width: number;
  height: number;
  mbW: number;
  mbH: number;
  timescale: number;
  sampleDelta: number;
  fps: number;
}

function buildSps(g: StreamGeometry): Buffer {
  const w = new BitWriter(64);
  w.bits(66, 8); // profile_idc: Baseline
  w.bits(0b11000000, 8); // constraint_set0_flag = constraint_set1_flag = 1 -> Constrained Baseline
  w.bits(chooseLevel(g.mbW, g.mbH, g.fps), 8);
  w.ue(0); // seq_parameter_set_id
  w.ue(LOG2_MAX_FRAME_NUM - 4); // log2_max_frame_num_minus4
  w.ue(2); // pic_order_cnt_type: output order = decoding order
  w.ue(1); // max_num_ref_frames
  w.bit(0); // gaps_in_frame_num_value_allowed_flag
  w.ue(g.mbW - 1); // pic_width_in_mbs_minus1
  w.ue(g.mbH - 1); // pic_height_in_map_units_minus1
  w.bit(1); // frame_mbs_only_flag
  w.bit(1); // direct_8x8_inference_flag
  const cropRight = (g.mbW * 16 - g.width) / 2; // CropUnitX = 2 (4:2:0)
  const cropBottom = (g.mbH * 16 - g.height) / 2; // CropUnitY = 2 (4:2:0, frame_mbs_only)
  if (cropRight > 0 || cropBottom > 0) {
    w.bit(1); // frame_cropping_flag
    w.ue(0);
    w.ue(cropRight);
    w.ue(0);
    w.ue(cropBottom);
  } else {
    w.bit(0);
  }
  w.bit(1); // vui_parameters_present_flag
  w.bit(1); // aspect_ratio_info_present_flag
  w.bits(1, 8); // aspect_ratio_idc: 1:1
  w.bit(0); // overscan_info_present_flag
  w.bit(1); // video_signal_type_present_flag
  w.bits(5, 3); // video_format: unspecified
  w.bit(0); // video_full_range_flag: limited range
  w.bit(1); // colour_description_present_flag
  w.bits(6, 8); // colour_primaries: SMPTE 170M
  w.bits(6, 8); // transfer_characteristics: SMPTE 170M
  w.bits(6, 8); // matrix_coefficients: SMPTE 170M (BT.601)
  w.bit(0); // chroma_loc_info_present_flag
  w.bit(1); // timing_info_present_flag
  w.bits(g.sampleDelta, 32); // num_units_in_tick
  w.bits(g.timescale * 2, 32); // time_scale (two ticks per frame)
  w.bit(1); // fixed_frame_rate_flag
  w.bit(0); // nal_hrd_parameters_present_flag
  w.bit(0); // vcl_hrd_parameters_present_flag
  w.bit(0); // pic_struct_present_flag
  w.bit(1); // bitstream_restriction_flag
  w.bit(1); // motion_vectors_over_pic_boundaries_flag
  w.ue(0); // max_bytes_per_pic_denom: no limit
  w.ue(0); // max_bits_per_mb_denom: no limit (I_PCM macroblocks are 3072+ bits)
  w.ue(15); // log2_max_mv_length_horizontal
  w.ue(15); // log2_max_mv_length_vertical
  w.ue(0); // max_num_reorder_frames
  w.ue(1); // max_dec_frame_buffering
  w.trailingBits();
  return nalUnit(3, 7, w.finish(), false);
}

function buildPps(): Buffer {
  const w = new BitWriter(16);
  w.ue(0); // pic_parameter_set_id
  w.ue(0); // seq_parameter_set_id
  w.bit(0); // entropy_coding_mode_flag: CAVLC
  w.bit(0); // bottom_field_pic_order_in_frame_present_flag
  w.ue(0); // num_slice_groups_minus1
  w.ue(0); // num_ref_idx_l0_default_active_minus1
  w.ue(0); // num_ref_idx_l1_default_active_minus1
  w.bit(0); // weighted_pred_flag
  w.bits(0, 2); // weighted_bipred_idc
  w.se(0); // pic_init_qp_minus26
  w.se(0); // pic_init_qs_minus26
  w.se(0); // chroma_qp_index_offset
  w.bit(1); // deblocking_filter_control_present_flag
  w.bit(0); // constrained_intra_pred_flag
  w.bit(0); // redundant_pic_cnt_present_flag
  w.trailingBits();
  return nalUnit(3, 8, w.finish(), false);
}

// ---------------------------------------------------------------------------------------------------------------
// Pictures as I_PCM macroblocks

/** The portrait for one mouth state, as numMbs * 384 bytes in macroblock order (Y 16x16, Cb 8x8, Cr 8x8). */
function macroblockImage(
  opts: Mp4Options,
  mbW: number,
  mbH: number,
  mouth: MouthState,
): { data: Buffer; mouthMbs: number[] } {
  const { width: w, height: h } = opts;
  const pic = renderPortrait({ width: w, height: h, seed: opts.seed, label: opts.label, mouth });
  const n = pic.colors;
  const palY = new Uint8Array(n);
  const palU = new Uint16Array(n);
  const palV = new Uint16Array(n);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(v)));
  for (let i = 0; i < n; i++) {
    const r = pic.palette[i * 3] ?? 0;
    const g = pic.palette[i * 3 + 1] ?? 0;
    const b = pic.palette[i * 3 + 2] ?? 0;
    // BT.601, limited range. Samples stay in 16..240, so PCM data never contains 0x00 (no emulation prevention).
    palY[i] = clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255, 16, 235);
    palU[i] = clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255, 16, 240);
    palV[i] = clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255, 16, 240);
  }
  const pw = mbW * 16;
  const ph = mbH * 16;
  const cw = pw / 2;
  const plY = new Uint8Array(pw * ph);
  const plU = new Uint8Array(cw * (ph / 2));
  const plV = new Uint8Array(cw * (ph / 2));
  const px = pic.pixels;
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1) * w;
    const row = y * pw;
    for (let x = 0; x < pw; x++) plY[row + x] = palY[px[sy + Math.min(x, w - 1)] ?? 0] ?? 16;
  }
  for (let y = 0; y < ph / 2; y++) {
    const s0 = Math.min(2 * y, h - 1) * w;
    const s1 = Math.min(2 * y + 1, h - 1) * w;
    const row = y * cw;
    for (let x = 0; x < cw; x++) {
      const x0 = Math.min(2 * x, w - 1);
      const x1 = Math.min(2 * x + 1, w - 1);
      const a = px[s0 + x0] ?? 0;
      const b = px[s0 + x1] ?? 0;
      const c = px[s1 + x0] ?? 0;
      const d = px[s1 + x1] ?? 0;
      plU[row + x] = ((palU[a] ?? 128) + (palU[b] ?? 128) + (palU[c] ?? 128) + (palU[d] ?? 128) + 2) >> 2;
      plV[row + x] = ((palV[a] ?? 128) + (palV[b] ?? 128) + (palV[c] ?? 128) + (palV[d] ?? 128) + 2) >> 2;
    }
  }
  const data = Buffer.allocUnsafe(mbW * mbH * MB_PCM_BYTES);
  let o = 0;
  for (let my = 0; my < mbH; my++) {
    for (let mx = 0; mx < mbW; mx++) {
      for (let y = 0; y < 16; y++) {
        const s = (my * 16 + y) * pw + mx * 16;
        data.set(plY.subarray(s, s + 16), o);
        o += 16;
      }
      for (const plane of [plU, plV]) {
        for (let y = 0; y < 8; y++) {
          const s = (my * 8 + y) * cw + mx * 8;
          data.set(plane.subarray(s, s + 8), o);
          o += 8;
        }
      }
    }
  }
  const box = pic.mouthBox;
  const mouthMbs: number[] = [];
  if (box.x1 > box.x0 && box.y1 > box.y0) {
    const mx0 = Math.floor(box.x0 / 16);
    const mx1 = Math.ceil(box.x1 / 16);
    const my0 = Math.floor(box.y0 / 16);
    const my1 = Math.ceil(box.y1 / 16);
    for (let my = my0; my < my1; my++) for (let mx = mx0; mx < mx1; mx++) mouthMbs.push(my * mbW + mx);
  }
  return { data, mouthMbs };
}

// ---------------------------------------------------------------------------------------------------------------
// Planning

interface Plan {
  opts: Mp4Options;
  geometry: StreamGeometry;
  numMbs: number;
  frameCount: number;
  keyInterval: number; // frames between IDRs; 0 = only the first frame
  sps: Buffer;
  pps: Buffer;
  mouth: Uint8Array; // mouth state per frame
  sampleSizes: Uint32Array;
  sampleOffsets: Float64Array; // absolute file offset of each sample
  header: Buffer; // ftyp + moov + mdat header
  totalSize: number;
}

function normalize(opts: Mp4Options): { fps: number; frameCount: number; keyInterval: number } {
  const { width, height, durationSeconds } = opts;
  checkDimensions(width, height);
  if (width % 2 !== 0 || height % 2 !== 0 || width > MAX_MP4_SIDE || height > MAX_MP4_SIDE) {
    throw new RangeError(
      `MP4 width and height must be even and at most ${MAX_MP4_SIDE}, got ${width}x${height}`,
    );
  }
  const fps = opts.fps ?? DEFAULT_MP4_FPS;
  if (!Number.isFinite(fps) || fps < 1 || fps > 120)
    throw new RangeError(`fps must be in 1..120, got ${fps}`);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > MAX_MP4_SECONDS) {
    throw new RangeError(`durationSeconds must be in (0, ${MAX_MP4_SECONDS}], got ${durationSeconds}`);
  }
  const frameCount = Math.max(1, Math.round(durationSeconds * fps));
  let keyInterval = 0;
  if (opts.keyframeIntervalSeconds !== undefined) {
    const k = opts.keyframeIntervalSeconds;
    if (!Number.isFinite(k) || k <= 0) throw new RangeError(`keyframeIntervalSeconds must be > 0, got ${k}`);
    keyInterval = Math.max(1, Math.round(k * fps));
  }
  return { fps, frameCount, keyInterval };
}

/** Speech-like sequence of mouth shapes, one per 150 ms, derived from the seed. Frame 0 is closed. */
function mouthTimeline(seed: string, frameCount: number, fps: number): Uint8Array {
  const rand = seededRandom(seed, 'mouth');
  const out = new Uint8Array(frameCount);
  let quantum = 0;
  let state = 0;
  let pause = 0;
  for (let i = 0; i < frameCount; i++) {
    const q = Math.floor(i / fps / MOUTH_QUANTUM_SECONDS);
    while (quantum < q) {
      quantum++;
      if (pause > 0) {
        pause--;
        state = 0;
        continue;
      }
      const r = rand();
      if (r < 0.06) {
        pause = 3 + Math.floor(rand() * 6);
        state = 0;
      } else {
        state = r < 0.35 ? 0 : r < 0.68 ? 1 : 2;
      }
    }
    out[i] = state;
  }
  return out;
}

/**
 * The macroblock images of one encoding pass, made on first use. Deliberately not part of the (cached) plan: they
 * take ~1.5 bytes per pixel each and are cheap to redo, so only running encodes hold them.
 */
type ImageCache = Map<number, { data: Buffer; mouthMbs: number[] }>;

function image(plan: Plan, images: ImageCache, state: number): { data: Buffer; mouthMbs: number[] } {
  let img = images.get(state);
  if (!img) {
    img = macroblockImage(plan.opts, plan.geometry.mbW, plan.geometry.mbH, state as MouthState);
    images.set(state, img);
  }
  return img;
}

function isIdr(plan: Plan, i: number): boolean {
  return i === 0 || (plan.keyInterval > 0 && i % plan.keyInterval === 0);
}

/** The length-prefixed NAL unit that is sample `i`. */
function encodeSample(plan: Plan, images: ImageCache, i: number): Buffer {
  const state = plan.mouth[i] ?? 0;
  const img = image(plan, images, state);
  const numMbs = plan.numMbs;
  if (isIdr(plan, i)) {
    const idrIndex = plan.keyInterval > 0 ? Math.floor(i / plan.keyInterval) : 0;
    const w = new BitWriter(numMbs * (MB_PCM_BYTES + 2) + 32);
    w.ue(0); // first_mb_in_slice
    w.ue(7); // slice_type: I (all slices of the picture)
    w.ue(0); // pic_parameter_set_id
    w.bits(0, LOG2_MAX_FRAME_NUM); // frame_num
    w.ue(idrIndex % 2); // idr_pic_id: consecutive IDR pictures must differ
    w.bit(0); // no_output_of_prior_pics_flag
    w.bit(0); // long_term_reference_flag
    w.se(0); // slice_qp_delta
    w.ue(1); // disable_deblocking_filter_idc: off
    for (let mb = 0; mb < numMbs; mb++) {
      w.ue(25); // mb_type: I_PCM
      w.alignZero(); // pcm_alignment_zero_bit
      w.bytes(img.data.subarray(mb * MB_PCM_BYTES, (mb + 1) * MB_PCM_BYTES));
    }
    w.trailingBits();
    return nalUnit(3, 5, w.finish(), true);
  }
  const lastIdr = plan.keyInterval > 0 ? i - (i % plan.keyInterval) : 0;
  const frameNum = (i - lastIdr) % (1 << LOG2_MAX_FRAME_NUM);
  const changed = (plan.mouth[i - 1] ?? 0) !== state ? img.mouthMbs : [];
  const w = new BitWriter(changed.length * (MB_PCM_BYTES + 4) + 32);
  w.ue(0); // first_mb_in_slice
  w.ue(5); // slice_type: P (all slices of the picture)
  w.ue(0); // pic_parameter_set_id
  w.bits(frameNum, LOG2_MAX_FRAME_NUM); // frame_num
  w.bit(0); // num_ref_idx_active_override_flag
  w.bit(0); // ref_pic_list_modification_flag_l0
  w.bit(0); // adaptive_ref_pic_marking_mode_flag
  w.se(0); // slice_qp_delta
  w.ue(1); // disable_deblocking_filter_idc: off
  let next = 0;
  for (const mb of changed) {
    w.ue(mb - next); // mb_skip_run
    w.ue(30); // mb_type: I_PCM in a P slice (5 + 25)
    w.alignZero();
    w.bytes(img.data.subarray(mb * MB_PCM_BYTES, (mb + 1) * MB_PCM_BYTES));
    next = mb + 1;
  }
  if (next < numMbs) w.ue(numMbs - next); // mb_skip_run up to the end of the picture
  w.trailingBits();
  return nalUnit(2, 1, w.finish(), true);
}

// ---------------------------------------------------------------------------------------------------------------
// ISO BMFF boxes

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = parts.reduce((n, p) => n + p.length, 8);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...parts], size);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...parts);
}

function u32a(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeUInt32BE((values[i] ?? 0) >>> 0, i * 4);
  return b;
}

function u32s(...values: number[]): Buffer {
  return u32a(values);
}

const UNITY_MATRIX = u32s(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

function buildMoov(plan: Plan, firstSampleOffset: number, use64: boolean): Buffer {
  const g = plan.geometry;
  const n = plan.frameCount;
  const mediaDuration = n * g.sampleDelta;
  const movieDuration = Math.round((mediaDuration * 1000) / g.timescale);

  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32s(0, 0, 1000, movieDuration, 0x00010000),
    Buffer.from([0x01, 0x00, 0, 0]), // volume 1.0, reserved
    Buffer.alloc(8),
    UNITY_MATRIX,
    Buffer.alloc(24),
    u32s(2), // next_track_ID
  );
  const tkhd = fullBox(
    'tkhd',
    0,
    3, // enabled, in movie
    u32s(0, 0, 1, 0, movieDuration),
    Buffer.alloc(8),
    Buffer.alloc(8), // layer, alternate_group, volume, reserved
    UNITY_MATRIX,
    u32s(g.width * 0x10000, g.height * 0x10000),
  );
  const mdhd = fullBox('mdhd', 0, 0, u32s(0, 0, g.timescale, mediaDuration), Buffer.from([0x55, 0xc4, 0, 0]));
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    u32s(0),
    Buffer.from('vide', 'latin1'),
    Buffer.alloc(12),
    Buffer.from('VideoHandler\0', 'latin1'),
  );
  const vmhd = fullBox('vmhd', 0, 1, Buffer.alloc(8));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32s(1), fullBox('url ', 0, 1)));

  const avcC = box(
    'avcC',
    Buffer.from([1, plan.sps[1] ?? 66, plan.sps[2] ?? 0, plan.sps[3] ?? 30, 0xff, 0xe1]),
    Buffer.from([plan.sps.length >> 8, plan.sps.length & 0xff]),
    plan.sps,
    Buffer.from([1, plan.pps.length >> 8, plan.pps.length & 0xff]),
    plan.pps,
  );
  const visual = Buffer.alloc(78);
  visual.writeUInt16BE(1, 6); // data_reference_index
  visual.writeUInt16BE(g.width, 24);
  visual.writeUInt16BE(g.height, 26);
  visual.writeUInt32BE(0x00480000, 28); // 72 dpi
  visual.writeUInt32BE(0x00480000, 32);
  visual.writeUInt16BE(1, 40); // frame_count
  const compressor = 'HeyGen simulator I_PCM';
  visual[42] = compressor.length;
  visual.write(compressor, 43, 'latin1');
  visual.writeUInt16BE(0x0018, 74); // depth
  visual.writeInt16BE(-1, 76); // pre_defined
  const stsd = fullBox('stsd', 0, 0, u32s(1), box('avc1', visual, avcC));

  const stts = fullBox('stts', 0, 0, u32s(1, n, g.sampleDelta));
  const syncSamples: number[] = [];
  for (let i = 0; i < n; i++) if (isIdr(plan, i)) syncSamples.push(i + 1);
  const stss = fullBox('stss', 0, 0, u32s(syncSamples.length), u32a(syncSamples));

  const perChunk = Math.max(1, Math.round(g.fps));
  const chunkCount = Math.ceil(n / perChunk);
  const lastChunk = n - (chunkCount - 1) * perChunk;
  const stscEntries =
    lastChunk === perChunk || chunkCount === 1
      ? [[1, Math.min(perChunk, n)]]
      : [
          [1, perChunk],
          [chunkCount, lastChunk],
        ];
  const stsc = fullBox(
    'stsc',
    0,
    0,
    u32s(stscEntries.length),
    u32a(stscEntries.flatMap(([c, s]) => [c ?? 1, s ?? 1, 1])),
  );

  const sizes = Buffer.alloc(8 + n * 4);
  sizes.writeUInt32BE(0, 0); // sample_size: varies
  sizes.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) sizes.writeUInt32BE(plan.sampleSizes[i] ?? 0, 8 + i * 4);
  const stsz = fullBox('stsz', 0, 0, sizes);

  const offsets = Buffer.alloc(4 + chunkCount * (use64 ? 8 : 4));
  offsets.writeUInt32BE(chunkCount, 0);
  // firstSampleOffset < 0: only measuring the box (its size does not depend on the offsets' values).
  for (let c = 0; c < chunkCount && firstSampleOffset >= 0; c++) {
    const off = firstSampleOffset + (plan.sampleOffsets[c * perChunk] ?? 0);
    if (use64) offsets.writeBigUInt64BE(BigInt(off), 4 + c * 8);
    else offsets.writeUInt32BE(off, 4 + c * 4);
  }
  const stco = fullBox(use64 ? 'co64' : 'stco', 0, 0, offsets);

  const stbl = box('stbl', stsd, stts, stss, stsc, stsz, stco);
  const minf = box('minf', vmhd, dinf, stbl);
  const mdia = box('mdia', mdhd, hdlr, minf);
  const trak = box('trak', tkhd, mdia);
  return box('moov', mvhd, trak);
}

const FTYP = box(
  'ftyp',
  Buffer.from('isom', 'latin1'),
  u32s(0x200),
  Buffer.from('isomiso2avc1mp41', 'latin1'),
);

// Plans are immutable once built; keep the last few so mp4Size() followed by streamMp4() does not plan twice.
const PLAN_CACHE_SIZE = 4;
const planCache = new Map<string, Plan>();

function planKey(opts: Mp4Options): string {
  return JSON.stringify([
    opts.width,
    opts.height,
    opts.durationSeconds,
    opts.fps ?? DEFAULT_MP4_FPS,
    opts.seed,
    opts.keyframeIntervalSeconds ?? null,
    opts.label ?? null,
  ]);
}

function getPlan(opts: Mp4Options): Plan {
  const key = planKey(opts);
  const cached = planCache.get(key);
  if (cached) {
    planCache.delete(key);
    planCache.set(key, cached);
    return cached;
  }
  const plan = buildPlan(opts);
  planCache.set(key, plan);
  while (planCache.size > PLAN_CACHE_SIZE) {
    const oldest = planCache.keys().next().value;
    if (oldest === undefined) break;
    planCache.delete(oldest);
  }
  return plan;
}

function buildPlan(input: Mp4Options): Plan {
  const opts: Mp4Options = { ...input };
  const { fps, frameCount, keyInterval } = normalize(opts);
  const mbW = Math.ceil(opts.width / 16);
  const mbH = Math.ceil(opts.height / 16);
  const timescale = Math.round(fps * 1000);
  const geometry: StreamGeometry = {
    width: opts.width,
    height: opts.height,
    mbW,
    mbH,
    timescale,
    sampleDelta: 1000,
    fps,
  };
  const plan: Plan = {
    opts,
    geometry,
    numMbs: mbW * mbH,
    frameCount,
    keyInterval,
    sps: buildSps(geometry),
    pps: buildPps(),
    mouth: mouthTimeline(opts.seed, frameCount, fps),
    sampleSizes: new Uint32Array(frameCount),
    sampleOffsets: new Float64Array(frameCount + 1),
    header: Buffer.alloc(0),
    totalSize: 0,
  };
  // Sample sizes. IDR sizes repeat (same picture, idr_pic_id parity), so measure each variant once.
  const idrSizes = new Map<string, number>();
  const images: ImageCache = new Map();
  let offset = 0;
  for (let i = 0; i < frameCount; i++) {
    let size: number;
    if (isIdr(plan, i)) {
      const key = `${plan.mouth[i] ?? 0}:${keyInterval > 0 ? Math.floor(i / keyInterval) % 2 : 0}`;
      const known = idrSizes.get(key);
      size = known ?? encodeSample(plan, images, i).length;
      idrSizes.set(key, size);
    } else {
      size = encodeSample(plan, images, i).length;
    }
    plan.sampleSizes[i] = size;
    plan.sampleOffsets[i] = offset; // relative to the first sample for now
    offset += size;
  }
  plan.sampleOffsets[frameCount] = offset;
  const mdatPayload = offset;

  // moov size does not depend on the offsets' values, only on stco vs co64.
  let use64 = false;
  let mdatHeaderSize = mdatPayload + 8 > 0xffffffff ? 16 : 8;
  let moov = buildMoov(plan, -1, use64);
  if (FTYP.length + moov.length + mdatHeaderSize + mdatPayload > 0xffffffff) {
    use64 = true;
    moov = buildMoov(plan, -1, use64);
  }
  const firstSample = FTYP.length + moov.length + mdatHeaderSize;
  moov = buildMoov(plan, firstSample, use64);
  let mdatHeader: Buffer;
  if (mdatHeaderSize === 16) {
    mdatHeader = Buffer.alloc(16);
    mdatHeader.writeUInt32BE(1, 0);
    mdatHeader.write('mdat', 4, 'latin1');
    mdatHeader.writeBigUInt64BE(BigInt(mdatPayload + 16), 8);
  } else {
    mdatHeaderSize = 8;
    mdatHeader = Buffer.alloc(8);
    mdatHeader.writeUInt32BE(mdatPayload + 8, 0);
    mdatHeader.write('mdat', 4, 'latin1');
  }
  plan.header = Buffer.concat([FTYP, moov, mdatHeader]);
  for (let i = 0; i <= frameCount; i++) plan.sampleOffsets[i] = (plan.sampleOffsets[i] ?? 0) + firstSample;
  plan.totalSize = firstSample + mdatPayload;
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// Output

function resolveRange(plan: Plan, range?: Mp4ByteRange): [number, number] {
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? plan.totalSize - 1, plan.totalSize - 1);
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(end)) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
  return [start, end + 1];
}

/** Yields the file's bytes in [start, endExclusive), in batches of about 64 KiB. */
function* fileBytes(plan: Plan, start: number, endExclusive: number): Generator<Buffer, void, undefined> {
  if (start >= endExclusive) return;
  const images: ImageCache = new Map();
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const emit = function* (part: Buffer): Generator<Buffer, void, undefined> {
    if (part.length === 0) return;
    batch.push(part);
    batchBytes += part.length;
    if (batchBytes >= OUTPUT_BATCH_BYTES) {
      yield batch.length === 1 ? (batch[0] ?? part) : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
    }
  };
  const header = plan.header;
  if (start < header.length) yield* emit(header.subarray(start, Math.min(header.length, endExclusive)));
  // First sample that ends after `start`.
  let lo = 0;
  let hi = plan.frameCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((plan.sampleOffsets[mid + 1] ?? 0) <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < plan.frameCount; i++) {
    const off = plan.sampleOffsets[i] ?? 0;
    if (off >= endExclusive) break;
    const sample = encodeSample(plan, images, i);
    if (sample.length !== plan.sampleSizes[i])
      throw new Error(`mp4: sample ${i} changed size while streaming`);
    yield* emit(sample.subarray(Math.max(0, start - off), Math.min(sample.length, endExclusive - off)));
  }
  if (batchBytes > 0)
    yield batch.length === 1 ? (batch[0] ?? Buffer.alloc(0)) : Buffer.concat(batch, batchBytes);
}

/** Size in bytes of the file that renderMp4/streamMp4 produce for these options. */
export function mp4Size(opts: Mp4Options): number {
  return getPlan(opts).totalSize;
}

/** Number of video frames (samples) in the file. */
export function mp4FrameCount(opts: Mp4Options): number {
  return normalize(opts).frameCount;
}

/** Renders the whole MP4 into memory. Same options -> identical bytes. */
export function renderMp4(opts: Mp4Options): Buffer {
  const plan = getPlan(opts);
  const parts = Array.from(fileBytes(plan, 0, plan.totalSize));
  return Buffer.concat(parts, plan.totalSize);
}

/**
 * Streams the MP4 (or the inclusive byte range `range`, e.g. for an HTTP Range request) with backpressure;
 * produces exactly the bytes of renderMp4 while keeping at most one encoded frame in memory.
 * Invalid options throw synchronously.
 */
export function streamMp4(opts: Mp4Options, range?: Mp4ByteRange): Readable {
  const plan = getPlan(opts);
  const [start, endExclusive] = resolveRange(plan, range);
  return Readable.from(fileBytes(plan, start, endExclusive), { objectMode: false });
}
