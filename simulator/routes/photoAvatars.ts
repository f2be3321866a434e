import { z } from 'zod';
import {
  PHOTO_AGES,
  PHOTO_ETHNICITIES,
  PHOTO_GENDERS,
  PHOTO_ORIENTATIONS,
  PHOTO_POSES,
  PHOTO_SIZES,
  PHOTO_STYLES,
} from '../catalogData';
import { ApiError, CODES, apiErrors, validate, type ApiRoute } from '../http';
import {
  generationStatus,
  groupTrainStatus,
  lookStatus,
  trainingState,
  trainingUpdatedAt,
  type Look,
  type SimState,
} from '../state';
import { hexId, unixSecondsFloat } from '../util';

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');
const id = z.string().trim().min(1, 'must not be empty');

const photoGenerateSchema = z.object({
  name: text(200),
  age: z.enum(PHOTO_AGES),
  gender: z.enum(PHOTO_GENDERS),
  ethnicity: z.enum(PHOTO_ETHNICITIES),
  orientation: z.enum(PHOTO_ORIENTATIONS),
  pose: z.enum(PHOTO_POSES),
  style: z.enum(PHOTO_STYLES),
  appearance: text(1000),
});

const createGroupSchema = z.object({
  name: text(200),
  image_key: id,
  generation_id: id.optional().nullable(),
});

const addLooksSchema = z.object({
  group_id: id,
  name: text(200),
  image_keys: z.array(id).min(1, 'must hold at least one image key').max(4, 'at most 4 image keys per call'),
  generation_id: id.optional().nullable(),
});

const trainSchema = z.object({ group_id: id });

const lookGenerateSchema = z.object({
  group_id: id,
  prompt: text(1000),
  orientation: z.enum(PHOTO_ORIENTATIONS),
  pose: z.enum(PHOTO_POSES),
  style: z.enum(PHOTO_STYLES),
});

const UPSCALE_UNAVAILABLE = { available: false, reason: 'The image is already at its maximum resolution' };

/** The look object of create/add answers and group listings. */
export function lookJson(state: SimState, look: Look, now: number): Record<string, unknown> {
  return {
    id: look.id,
    group_id: look.groupId,
    name: look.name,
    status: lookStatus(look, now),
    image_url: state.imageUrl(look.imageHex, now),
    created_at: unixSecondsFloat(look.createdAt),
    is_motion: false,
    motion_preview_url: null,
    business_type: look.businessType,
    upscale_availability: UPSCALE_UNAVAILABLE,
    upscaled: false,
    background_sound_effect: null,
    // Undocumented, present in real answers.
    default_voice_id: null,
  };
}

function findGroup(state: SimState, groupId: string) {
  const group = state.groups.get(groupId);
  if (!group) throw apiErrors.notFound(`Avatar group ${groupId} not found`);
  return group;
}

export function photoAvatarRoutes(state: SimState): ApiRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/photo_avatar\/photo\/generate$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(photoGenerateSchema, ctx.body);
        const size = PHOTO_SIZES[body.orientation];
        const g = state.createGeneration({ kind: 'photo', name: body.name, ...size, now: ctx.now });
        state.ledger.record({ version: 'v2', kind: 'photo_generation', resourceId: g.id, name: body.name });
        return { data: { generation_id: g.id }, createdId: g.id };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/photo_avatar\/generation\/([^/]+)$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const generationId = ctx.params[0] ?? '';
        const g = state.generations.get(generationId);
        if (!g) throw apiErrors.notFound(`Generation ${generationId} not found`);
        const status = generationStatus(g, ctx.now);
        return {
          data: {
            id: g.id,
            status,
            msg: status === 'failed' ? g.failure : null,
            image_url_list:
              status === 'success' ? g.imageHexes.map((hex) => state.imageUrl(hex, ctx.now)) : null,
            image_key_list: status === 'success' ? g.imageHexes.map((hex) => `image/${hex}/original`) : null,
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\/photo_avatar\/avatar_group\/create$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(createGroupSchema, ctx.body);
        if (body.generation_id && !state.generations.has(body.generation_id)) {
          throw apiErrors.invalid('generation_id', `generation ${body.generation_id} not found`);
        }
        const image = state.findImageByKey(body.image_key);
        if (!image) {
          throw apiErrors.invalid(
            'image_key',
            `image ${body.image_key} not found (use a key from a successful generation or an uploaded image)`,
          );
        }
        const { look } = state.createGroup({ name: body.name, image, now: ctx.now });
        state.ledger.record({ version: 'v2', kind: 'avatar', resourceId: look.groupId, name: body.name });
        return { data: lookJson(state, look, ctx.now), createdId: look.groupId };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\/photo_avatar\/avatar_group\/add$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(addLooksSchema, ctx.body);
        const group = findGroup(state, body.group_id);
        const images = body.image_keys.map((key, i) => {
          const image = state.findImageByKey(key);
          if (!image) throw apiErrors.invalid(`image_keys[${i}]`, `image ${key} not found`);
          return image;
        });
        const looks = images.map((image) =>
          state.addLook({
            id: hexId(),
            groupId: group.id,
            name: body.name,
            imageHex: image.hex,
            businessType: image.source === 'generated' ? 'generated' : 'user_upload',
            now: ctx.now,
          }),
        );
        for (const look of looks) {
          state.ledger.record({ version: 'v2', kind: 'look', resourceId: look.id, name: body.name });
        }
        return {
          data: { photo_avatar_list: looks.map((l) => lookJson(state, l, ctx.now)) },
          createdId: looks.map((l) => l.id).join(','),
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\/photo_avatar\/train$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(trainSchema, ctx.body);
        const group = findGroup(state, body.group_id);
        const status = groupTrainStatus(group, ctx.now);
        if (status === 'pending' || status === 'training') {
          throw new ApiError(400, CODES.INVALID_PARAMETER, `Avatar group ${group.id} is already training`);
        }
        if (state.looksOf(group.id).length === 0) {
          throw new ApiError(
            400,
            CODES.INVALID_PARAMETER,
            `Avatar group ${group.id} has no looks to train on`,
          );
        }
        const training = state.startTraining(group, ctx.now);
        state.ledger.record({ version: 'v2', kind: 'training', resourceId: training.id, name: group.name });
        return { data: { code: CODES.SUCCESS, flow_id: training.id }, createdId: training.id };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/photo_avatar\/train\/status\/([^/]+)$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const group = findGroup(state, ctx.params[0] ?? '');
        const training = group.trainings[group.trainings.length - 1];
        if (!training) {
          return { data: { status: 'empty', error_msg: null, created_at: null, updated_at: null } };
        }
        const status = trainingState(training, ctx.now);
        return {
          data: {
            status,
            error_msg: status === 'failed' ? training.failure : null,
            created_at: unixSecondsFloat(training.createdAt),
            updated_at: unixSecondsFloat(trainingUpdatedAt(training, ctx.now)),
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\/photo_avatar\/look\/generate$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const body = validate(lookGenerateSchema, ctx.body);
        const group = findGroup(state, body.group_id);
        const status = groupTrainStatus(group, ctx.now);
        if (status !== 'ready') {
          throw new ApiError(
            400,
            CODES.INVALID_PARAMETER,
            `The avatar group is not trained (train status: ${status}); train it and wait for "ready" before generating looks`,
          );
        }
        const prompt = body.prompt.trim();
        const g = state.createGeneration({
          kind: 'look',
          groupId: group.id,
          prompt,
          name: prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt,
          ...PHOTO_SIZES[body.orientation],
          now: ctx.now,
        });
        state.ledger.record({ version: 'v2', kind: 'look_generation', resourceId: g.id, name: group.name });
        return { data: { generation_id: g.id }, createdId: g.id };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/avatar_group\.list$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const groups = [...state.groups.values()].map((g) => {
          const looks = state.looksOf(g.id);
          const first = looks[0];
          return {
            id: g.id,
            name: g.name,
            created_at: unixSecondsFloat(g.createdAt),
            num_looks: looks.length,
            preview_image_url: first ? state.imageUrl(first.imageHex, ctx.now) : null,
            group_type: 'PHOTO',
            train_status: groupTrainStatus(g, ctx.now),
            // Undocumented, present in real answers.
            default_voice_id: null,
          };
        });
        return { data: { total_count: groups.length, avatar_group_list: groups } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/avatar_group\/([^/]+)\/avatars$/u,
      envelope: 'v2',
      handle: (ctx) => {
        const group = findGroup(state, ctx.params[0] ?? '');
        return { data: { avatar_list: state.looksOf(group.id).map((l) => lookJson(state, l, ctx.now)) } };
      },
    },
  ];
}
