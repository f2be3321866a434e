/** The simulated account's studio avatars and voices (a small slice of HeyGen's public catalog). */

/** The account's user (v3 `GET /v3/users/me`, asset owner) and space. */
export const ACCOUNT = { username: 'simulator-user', spaceId: 'sim-space' } as const;

export interface StudioAvatar {
  avatar_id: string;
  avatar_name: string;
  gender: 'male' | 'female';
  premium: boolean;
  default_voice_id: string;
}

export interface CatalogVoice {
  voice_id: string;
  language: string;
  gender: 'Male' | 'Female';
  name: string;
  support_pause: boolean;
  emotion_support: boolean;
  support_interactive_avatar: boolean;
  /** Not in the docs, present in real answers. */
  language_code: string;
  /** v3 voice engines the voice works with (`GET /v3/voices?engine=`); the simulator's own assignment */
  engines: readonly string[];
}

export const ENGLISH_FEMALE_VOICE_ID = '1bd001e7e50f421d891986aad5158bc8';
export const ENGLISH_MALE_VOICE_ID = '2d5b0e6cf36f460aa7fc47e3eee4ba54';

export const VOICES: readonly CatalogVoice[] = [
  {
    voice_id: ENGLISH_FEMALE_VOICE_ID,
    language: 'English',
    gender: 'Female',
    name: 'Sara - Cheerful',
    support_pause: true,
    emotion_support: true,
    support_interactive_avatar: true,
    language_code: 'en-US',
    engines: ['starfish', 'elevenlabs'],
  },
  {
    voice_id: ENGLISH_MALE_VOICE_ID,
    language: 'English',
    gender: 'Male',
    name: 'Tony - Professional',
    support_pause: true,
    emotion_support: true,
    support_interactive_avatar: true,
    language_code: 'en-US',
    engines: ['starfish', 'elevenlabs'],
  },
  {
    voice_id: '77c3b0b1f0f24b54a2b9a4e3c1d2e5f6',
    language: 'English',
    gender: 'Female',
    name: 'Olivia - Warm (UK)',
    support_pause: true,
    emotion_support: false,
    support_interactive_avatar: false,
    language_code: 'en-GB',
    engines: ['elevenlabs'],
  },
  {
    voice_id: 'a04d81d19afd436db611060682276331',
    language: 'Spanish',
    gender: 'Female',
    name: 'Lucía - Natural',
    support_pause: true,
    emotion_support: false,
    support_interactive_avatar: true,
    language_code: 'es-ES',
    engines: ['starfish', 'fish'],
  },
  {
    voice_id: 'c8e176c17f814004885fd590e03ff99f',
    language: 'French',
    gender: 'Male',
    name: 'Antoine - Calm',
    support_pause: true,
    emotion_support: false,
    support_interactive_avatar: false,
    language_code: 'fr-FR',
    engines: ['fish'],
  },
  {
    voice_id: 'e2a9c5d8b7f64a1e9d3c0b8a7f6e5d4c',
    language: 'German',
    gender: 'Female',
    name: 'Katja - Friendly',
    support_pause: true,
    emotion_support: false,
    support_interactive_avatar: false,
    language_code: 'de-DE',
    engines: ['starfish'],
  },
  {
    voice_id: '5f8d3c2b1a0e4f9d8c7b6a5e4d3c2b1a',
    language: 'Japanese',
    gender: 'Male',
    name: 'Haruto - Narration',
    support_pause: false,
    emotion_support: false,
    support_interactive_avatar: false,
    language_code: 'ja-JP',
    engines: ['fish'],
  },
];

export const STUDIO_AVATARS: readonly StudioAvatar[] = [
  {
    avatar_id: 'Angela-inblackskirt-20220820',
    avatar_name: 'Angela in Black Dress',
    gender: 'female',
    premium: false,
    default_voice_id: ENGLISH_FEMALE_VOICE_ID,
  },
  {
    avatar_id: 'Daisy-inskirt-20220818',
    avatar_name: 'Daisy in Skirt',
    gender: 'female',
    premium: false,
    default_voice_id: ENGLISH_FEMALE_VOICE_ID,
  },
  {
    avatar_id: 'Tyler-incasualsuit-20220721',
    avatar_name: 'Tyler in Casual Suit',
    gender: 'male',
    premium: false,
    default_voice_id: ENGLISH_MALE_VOICE_ID,
  },
  {
    avatar_id: 'Anna_public_3_20240108',
    avatar_name: 'Anna in Brown T-shirt',
    gender: 'female',
    premium: false,
    default_voice_id: ENGLISH_FEMALE_VOICE_ID,
  },
  {
    avatar_id: 'Josh_lite3_20230714',
    avatar_name: 'Josh',
    gender: 'male',
    premium: false,
    default_voice_id: ENGLISH_MALE_VOICE_ID,
  },
  {
    avatar_id: 'Kristin_public_2_20240108',
    avatar_name: 'Kristin in Black Suit',
    gender: 'female',
    premium: true,
    default_voice_id: '77c3b0b1f0f24b54a2b9a4e3c1d2e5f6',
  },
];

export const STUDIO_AVATAR_IDS: ReadonlySet<string> = new Set(STUDIO_AVATARS.map((a) => a.avatar_id));
export const VOICE_IDS: ReadonlySet<string> = new Set(VOICES.map((v) => v.voice_id));

/** Every webhook event HeyGen documents (webhook.list answers these). */
export const WEBHOOK_EVENTS: readonly string[] = [
  'avatar_video.success',
  'avatar_video.fail',
  'avatar_video_gif.success',
  'avatar_video_gif.fail',
  'avatar_video_caption.success',
  'avatar_video_caption.fail',
  'photo_avatar_generation.success',
  'photo_avatar_generation.fail',
  'photo_avatar_train.success',
  'photo_avatar_train.fail',
  'photo_avatar_add_motion.success',
  'photo_avatar_add_motion.fail',
  'instant_avatar.success',
  'instant_avatar.fail',
  'video_translate.success',
  'video_translate.fail',
];

/** The v3 webhook event types (notes §3.8, 30 values) with the simulator's descriptions. */
const V3_EVENT_LIST: ReadonlyArray<readonly [string, string]> = [
  ['avatar_video.success', 'An avatar video finished rendering'],
  ['avatar_video.fail', 'An avatar video failed to render'],
  ['avatar_video_gif.success', "An avatar video's GIF preview is ready"],
  ['avatar_video_gif.fail', "An avatar video's GIF preview failed"],
  ['avatar_video_caption.success', "An avatar video's captions are ready"],
  ['avatar_video_caption.fail', "An avatar video's captions failed"],
  ['video_translate.success', 'A video translation finished'],
  ['video_translate.fail', 'A video translation failed'],
  ['video_translate.preflight.validation_failed', 'A video translation failed its input validation'],
  ['video_translate.preflight.download_failed', "A video translation's input could not be downloaded"],
  ['personalized_video', 'A personalized video changed state'],
  ['instant_avatar.success', 'An instant avatar is ready'],
  ['instant_avatar.fail', 'An instant avatar failed'],
  ['photo_avatar_generation.success', 'A photo avatar generation finished'],
  ['photo_avatar_generation.fail', 'A photo avatar generation failed'],
  ['photo_avatar_train.success', 'A photo avatar finished training'],
  ['photo_avatar_train.fail', 'A photo avatar failed to train'],
  ['photo_avatar_add_motion.success', 'Motion was added to a photo avatar'],
  ['photo_avatar_add_motion.fail', 'Adding motion to a photo avatar failed'],
  ['proofread_creation.success', 'A proofread was created'],
  ['proofread_creation.fail', 'A proofread failed'],
  ['live_avatar.success', 'A live avatar session finished'],
  ['live_avatar.fail', 'A live avatar session failed'],
  ['video_agent.success', 'A Video Agent video finished'],
  ['video_agent.fail', 'A Video Agent video failed'],
  ['hyperframes_video.success', 'A HyperFrames video finished'],
  ['hyperframes_video.fail', 'A HyperFrames video failed'],
  ['ai_clipping.success', 'An AI clipping job finished'],
  ['ai_clipping.fail', 'An AI clipping job failed'],
  ['batch.finished', 'A batch finished'],
];
export const V3_WEBHOOK_EVENT_TYPES: ReadonlyArray<{ event_type: string; description: string }> =
  V3_EVENT_LIST.map(([event_type, description]) => ({ event_type, description }));

export const V3_WEBHOOK_EVENTS: readonly string[] = V3_WEBHOOK_EVENT_TYPES.map((e) => e.event_type);

/** Photo attribute values: the notes' lists plus the seeds' shorter lists. */
export const PHOTO_AGES = [
  'Young Adult',
  'Early Middle Age',
  'Late Middle Age',
  'Senior',
  'Unspecified',
  'Adult',
] as const;
export const PHOTO_GENDERS = ['Woman', 'Man', 'Unspecified'] as const;
export const PHOTO_ETHNICITIES = [
  'White',
  'Black',
  'Asian American',
  'East Asian',
  'South East Asian',
  'South Asian',
  'Middle Eastern',
  'Pacific',
  'Hispanic',
  'Unspecified',
  'Caucasian',
] as const;
export const PHOTO_ORIENTATIONS = ['square', 'horizontal', 'vertical'] as const;
export const PHOTO_POSES = ['half_body', 'close_up', 'full_body', 'headshot'] as const;
export const PHOTO_STYLES = [
  'Realistic',
  'Pixar',
  'Cinematic',
  'Vintage',
  'Noir',
  'Cyberpunk',
  'Unspecified',
  'Artistic',
] as const;

export type PhotoOrientation = (typeof PHOTO_ORIENTATIONS)[number];

/** Pixel size of generated photos per orientation. */
export const PHOTO_SIZES: Record<PhotoOrientation, { width: number; height: number }> = {
  square: { width: 768, height: 768 },
  horizontal: { width: 1024, height: 576 },
  vertical: { width: 576, height: 1024 },
};
