export {
  renderPng,
  renderPortrait,
  crc32,
  type PngOptions,
  type Portrait,
  type PortraitOptions,
  type MouthState,
} from './png';
export {
  renderMp4,
  streamMp4,
  mp4Size,
  mp4FrameCount,
  DEFAULT_MP4_FPS,
  MAX_MP4_SIDE,
  MAX_MP4_SECONDS,
  type Mp4Options,
  type Mp4ByteRange,
} from './mp4';
export { renderGif, type GifOptions } from './gif';
