import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PHOTO_SIZES, STUDIO_AVATARS, type StudioAvatar } from '../../catalogData';
import type { ApiRoute } from '../../http';
import { lookStatus, type Group, type Look, type SimState } from '../../state';
import { hexId, unixSeconds } from '../../util';
import {
  LIMITS,
  assetInputSchema,
  enumQuery,
  id,
  paginate,
  resolveImageInput,
  spendCredit,
  v3Error,
  v3Errors,
  validateV3,
} from './common';

// ---------------------------------------------------------------------------------------------------------------
// Requests (the simulator's own reading of notes §3.2; top-level fields are strict, as for POST /v3/videos, so an
// adapter that sends v2 fields such as `age` or `image_keys` is caught)

const name = z
  .string()
  .max(200, 'must be at most 200 characters')
  .refine((s) => s.trim().length > 0, 'must not be empty');
// The reference says 1000, an official skill says the spec's 200 is not enforced (notes §3.2): 1000 here.
const prompt = z
  .string()
  .max(1000, 'must be at most 1000 characters')
  .refine((s) => s.trim().length > 0, 'must not be empty');

const createSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('prompt'),
    name,
    prompt,
    avatar_group_id: id.nullish(),
    avatar_id: id.nullish(),
    reference_images: z.array(assetInputSchema).max(3, 'at most 3 reference images').nullish(),
  }),
  z.strictObject({ type: z.literal('photo'), name, file: assetInputSchema, avatar_group_id: id.nullish() }),
  z.strictObject({
    type: z.literal('digital_twin'),
    name,
    file: assetInputSchema,
    avatar_group_id: id.nullish(),
  }),
]);

const renameSchema = z.strictObject({ name: name.optional() });

const AVATAR_TYPES = ['studio_avatar', 'digital_twin', 'photo_avatar'] as const;
const OWNERSHIPS = ['public', 'private'] as const;

/** The pixel size of a picture made from a prompt (a portrait, like v2's vertical photos). */
const PROMPT_IMAGE_SIZE = PHOTO_SIZES.vertical;
/** Engines a look renders with (notes §3.2 lists 'avatar_v', 'avatar_iv', 'avatar_iii'). */
const ENGINES = ['avatar_iv', 'avatar_iii'];
/** When the public catalog's groups were "created" (a fixed date: the catalog does not change). */
const CATALOG_CREATED_AT = Date.UTC(2024, 0, 8);

// ---------------------------------------------------------------------------------------------------------------
// The public catalog as v3 groups and looks: each studio avatar is a public group with one look

/** Opaque, stable id of a studio avatar's public group. */
export const publicGroupId = (avatar: StudioAvatar): string =>
  createHash('sha256').update(`public-group:${avatar.avatar_id}`).digest('hex').slice(0, 32);

/** What `avatar_id` names in a v3 request: one of the account's looks or a studio avatar. */
export type V3Avatar = { kind: 'private'; look: Look } | { kind: 'studio'; avatar: StudioAvatar };

export function findAvatar(state: SimState, avatarId: string): V3Avatar | undefined {
  const look = state.looks.get(avatarId);
  if (look) return { kind: 'private', look };
  const avatar = STUDIO_AVATARS.find((a) => a.avatar_id === avatarId);
  return avatar ? { kind: 'studio', avatar } : undefined;
}

/** v2's look states mapped to v3's: v3 has no 'pending' (notes §3.3). */
export function v3LookStatus(look: Look, now: number): 'processing' | 'completed' | 'failed' {
  const status = lookStatus(look, now);
  return status === 'pending' ? 'processing' : status;
}

function orientation(width: number, height: number): 'portrait' | 'landscape' | 'square' | null {
  if (width <= 0 || height <= 0) return null;
  if (width === height) return 'square';
  return width > height ? 'landscape' : 'portrait';
}

/** The `avatar_item` of a private look. Preview and size only once it is completed (the readiness signal). */
export function lookItem(state: SimState, look: Look, now: number): Record<string, unknown> {
  const status = v3LookStatus(look, now);
  const ready = status === 'completed';
  const image = state.images.get(look.imageHex);
  const width = ready ? (image?.width ?? 0) : 0;
  const height = ready ? (image?.height ?? 0) : 0;
  return {
    id: look.id,
    name: look.name,
    avatar_type: 'photo_avatar',
    group_id: look.groupId,
    status,
    error: status === 'failed' ? look.failure : null,
    preview_image_url: ready ? state.imageUrl(look.imageHex, now) : null,
    preview_video_url: null,
    image_width: ready ? width : null,
    image_height: ready ? height : null,
    preferred_orientation: ready ? orientation(width, height) : null,
    supported_api_engines: ENGINES,
    tags: [],
    default_voice_id: null,
    gender: null,
  };
}

function studioLookItem(state: SimState, avatar: StudioAvatar): Record<string, unknown> {
  return {
    id: avatar.avatar_id,
    name: avatar.avatar_name,
    avatar_type: 'studio_avatar',
    group_id: publicGroupId(avatar),
    // "Only present for private avatars" (notes §3.2).
    status: null,
    error: null,
    preview_image_url: `${state.baseUrl}/catalog/avatars/${avatar.avatar_id}/preview.png`,
    preview_video_url: `${state.baseUrl}/catalog/avatars/${avatar.avatar_id}/preview.mp4`,
    image_width: 512,
    image_height: 512,
    preferred_orientation: 'square',
    supported_api_engines: ENGINES,
    tags: avatar.premium ? ['premium'] : [],
    default_voice_id: avatar.default_voice_id,
    gender: avatar.gender,
  };
}

/**
 * The `avatar_group` of a private group. Its status is its first look's (the identity's); a group whose looks were
 * all deleted no longer exists.
 */
export function groupJson(state: SimState, group: Group, now: number): Record<string, unknown> {
  const looks = state.looksOf(group.id);
  const first = looks[0];
  const status = first ? v3LookStatus(first, now) : 'processing';
  const preview = looks.find((l) => v3LookStatus(l, now) === 'completed');
  return {
    id: group.id,
    name: group.name,
    created_at: unixSeconds(group.createdAt),
    looks_count: looks.length,
    status,
    // Consent applies to digital twins only (notes §3.2); photo and prompt avatars need none.
    consent_status: null,
    error: status === 'failed' ? (first?.failure ?? null) : null,
    preview_image_url: preview ? state.imageUrl(preview.imageHex, now) : null,
    preview_video_url: null,
    gender: null,
    default_voice_id: null,
  };
}

function publicGroupJson(state: SimState, avatar: StudioAvatar): Record<string, unknown> {
  return {
    id: publicGroupId(avatar),
    name: avatar.avatar_name,
    created_at: unixSeconds(CATALOG_CREATED_AT),
    looks_count: 1,
    status: null,
    consent_status: null,
    error: null,
    preview_image_url: `${state.baseUrl}/catalog/avatars/${avatar.avatar_id}/preview.png`,
    preview_video_url: `${state.baseUrl}/catalog/avatars/${avatar.avatar_id}/preview.mp4`,
    gender: avatar.gender,
    default_voice_id: avatar.default_voice_id,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

type GroupRef = { kind: 'private'; group: Group } | { kind: 'public'; avatar: StudioAvatar };

function findGroupRef(state: SimState, groupId: string): GroupRef | undefined {
  const group = state.groups.get(groupId);
  if (group) return { kind: 'private', group };
  const avatar = STUDIO_AVATARS.find((a) => publicGroupId(a) === groupId);
  return avatar ? { kind: 'public', avatar } : undefined;
}

/** One look of either kind as v3 lists and returns it. */
function avatarItemOf(state: SimState, ref: V3Avatar, now: number): Record<string, unknown> {
  return ref.kind === 'private' ? lookItem(state, ref.look, now) : studioLookItem(state, ref.avatar);
}

/** One group of either kind as v3 lists and returns it. */
function groupItemOf(state: SimState, ref: GroupRef, now: number): Record<string, unknown> {
  return ref.kind === 'private' ? groupJson(state, ref.group, now) : publicGroupJson(state, ref.avatar);
}

/** The look a path names, or v3's 404. */
function lookOr404(state: SimState, lookId: string): V3Avatar {
  const avatar = findAvatar(state, lookId);
  if (!avatar) throw v3Errors.notFound('avatar_not_found', `Look ${lookId} not found`, 'look_id');
  return avatar;
}

/** The group a path names, or v3's 404. */
function groupOr404(state: SimState, groupId: string): GroupRef {
  const ref = findGroupRef(state, groupId);
  if (!ref) throw v3Errors.notFound('avatar_not_found', `Avatar group ${groupId} not found`, 'group_id');
  return ref;
}

/** The private group a create names in `avatar_group_id` (404: it does not exist, or was deleted). */
function targetGroup(state: SimState, groupId: string): Group {
  const group = state.groups.get(groupId);
  if (group) return group;
  if (findGroupRef(state, groupId)) {
    throw v3Errors.invalid(
      'avatar_group_id',
      `avatar group ${groupId} is public: looks cannot be added to it`,
    );
  }
  throw v3Errors.notFound('not_found', `Avatar group ${groupId} not found`, 'avatar_group_id');
}

const forbidden = (message: string) => v3Error(403, 'forbidden', message);

export function v3AvatarRoutes(state: SimState): ApiRoute[] {
  const created = (look: Look, now: number) => {
    const group = state.groups.get(look.groupId);
    return {
      data: {
        avatar_item: lookItem(state, look, now),
        avatar_group: group ? groupJson(state, group, now) : null,
      },
      createdId: look.id,
    };
  };

  return [
    {
      method: 'POST',
      pattern: /^\/v3\/avatars$/u,
      envelope: 'v3',
      idempotent: true,
      handle: (ctx) => {
        const body = validateV3(createSchema, ctx.body);
        const key = ctx.idempotencyKey;
        const groupId = body.avatar_group_id ?? undefined;
        if (body.type === 'digital_twin') {
          throw v3Errors.invalid(
            'type',
            'digital_twin avatars are not supported by the simulator (they need a consent video); use photo or prompt',
          );
        }

        if (body.type === 'photo') {
          const image = resolveImageInput(state, body.file, 'file');
          if (groupId !== undefined) {
            const group = targetGroup(state, groupId);
            spendCredit(state);
            const look = state.addLook({
              id: hexId(),
              groupId: group.id,
              name: body.name,
              imageHex: image.hex,
              businessType: 'user_upload',
              now: ctx.now,
            });
            state.ledger.record({
              version: 'v3',
              kind: 'look',
              resourceId: look.id,
              idempotencyKey: key,
              name: body.name,
            });
            return created(look, ctx.now);
          }
          spendCredit(state);
          const { group, look } = state.createGroup({
            name: body.name,
            image,
            now: ctx.now,
            firstLookId: hexId(),
          });
          state.ledger.record({
            version: 'v3',
            kind: 'avatar',
            resourceId: group.id,
            idempotencyKey: key,
            name: body.name,
          });
          return created(look, ctx.now);
        }

        // type 'prompt'. Since June 2026 `avatar_id` is the visual reference and the new look joins that look's
        // group; `avatar_group_id` only selects the group (notes §3.2).
        body.reference_images?.forEach((input, i) =>
          resolveImageInput(state, input, `reference_images[${i}]`),
        );
        let group: Group | undefined;
        if (body.avatar_id) {
          const base = findAvatar(state, body.avatar_id);
          if (!base) {
            throw v3Error(404, 'AVATAR_NOT_FOUND', `Avatar ${body.avatar_id} not found`, 'avatar_id');
          }
          if (base.kind === 'studio') {
            throw v3Error(
              400,
              'INVALID_PARAMETER',
              `Avatar ${body.avatar_id} is a public studio avatar: new looks are made from the account's own looks`,
              'avatar_id',
            );
          }
          if (groupId !== undefined && base.look.groupId !== groupId) {
            throw v3Error(
              400,
              'INVALID_PARAMETER',
              `Avatar ${body.avatar_id} is not in avatar group ${groupId}`,
              'avatar_id',
            );
          }
          if (v3LookStatus(base.look, ctx.now) !== 'completed') {
            throw v3Error(
              400,
              'INVALID_PARAMETER',
              `Avatar ${body.avatar_id} has no usable image yet (status ${v3LookStatus(base.look, ctx.now)})`,
              'avatar_id',
            );
          }
          group = state.groups.get(base.look.groupId);
        } else if (groupId !== undefined) {
          group = targetGroup(state, groupId);
        }

        spendCredit(state);
        const outcome = state.takeOutcome(group ? 'look_generation' : 'photo_generation');
        const failure = outcome
          ? {
              code: outcome.failureCode ?? 'generation_failed',
              message: outcome.message ?? 'Image generation failed, please try again',
            }
          : null;
        const image = state.registerImage({
          hex: hexId(),
          ...PROMPT_IMAGE_SIZE,
          source: 'generated',
          label: body.name.trim(),
        });
        if (group) {
          const look = state.addLook({
            id: hexId(),
            groupId: group.id,
            name: body.name,
            imageHex: image.hex,
            businessType: 'generated',
            now: ctx.now,
            job: 'lookGenerationMs',
            failure,
          });
          state.ledger.record({
            version: 'v3',
            kind: 'look_generation',
            resourceId: look.id,
            idempotencyKey: key,
            name: body.name,
          });
          return created(look, ctx.now);
        }
        const made = state.createGroup({
          name: body.name,
          image,
          now: ctx.now,
          firstLookId: hexId(),
          job: 'photoGenerationMs',
          failure,
        });
        state.ledger.record({
          version: 'v3',
          kind: 'avatar',
          resourceId: made.group.id,
          idempotencyKey: key,
          name: body.name,
        });
        return created(made.look, ctx.now);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/avatars$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const ownership = enumQuery(ctx.query, 'ownership', OWNERSHIPS);
        const items: GroupRef[] = [];
        if (ownership !== 'public') {
          for (const group of state.groups.values()) items.push({ kind: 'private', group });
        }
        if (ownership !== 'private')
          for (const avatar of STUDIO_AVATARS) items.push({ kind: 'public', avatar });
        return paginate(items, ctx.query, LIMITS.avatars, { ownership }, (ref) =>
          groupItemOf(state, ref, ctx.now),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/avatars\/looks$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const ownership = enumQuery(ctx.query, 'ownership', OWNERSHIPS);
        const avatarType = enumQuery(ctx.query, 'avatar_type', AVATAR_TYPES);
        const groupId = ctx.query.group_id || undefined;
        const items: V3Avatar[] = [];
        if (ownership !== 'public' && (avatarType === undefined || avatarType === 'photo_avatar')) {
          for (const look of state.looks.values()) {
            if (groupId === undefined || look.groupId === groupId) items.push({ kind: 'private', look });
          }
        }
        if (ownership !== 'private' && (avatarType === undefined || avatarType === 'studio_avatar')) {
          for (const avatar of STUDIO_AVATARS) {
            if (groupId === undefined || publicGroupId(avatar) === groupId)
              items.push({ kind: 'studio', avatar });
          }
        }
        return paginate(
          items,
          ctx.query,
          LIMITS.looks,
          { ownership, avatar_type: avatarType, group_id: groupId },
          (item) => avatarItemOf(state, item, ctx.now),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/avatars\/looks\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        return { data: avatarItemOf(state, lookOr404(state, ctx.params[0] ?? ''), ctx.now) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/v3\/avatars\/looks\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const lookId = ctx.params[0] ?? '';
        const body = validateV3(renameSchema, ctx.body);
        const avatar = lookOr404(state, lookId);
        if (avatar.kind === 'studio')
          throw forbidden(`Look ${lookId} is a public studio avatar: it cannot be renamed`);
        if (body.name !== undefined) avatar.look.name = body.name;
        return { data: lookItem(state, avatar.look, ctx.now) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/avatars\/looks\/([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const lookId = ctx.params[0] ?? '';
        const avatar = lookOr404(state, lookId);
        if (avatar.kind === 'studio')
          throw forbidden(`Look ${lookId} is a public studio avatar: it cannot be deleted`);
        state.deleteLook(lookId);
        return { data: { id: lookId } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/avatars\/(?!looks$)([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        return { data: groupItemOf(state, groupOr404(state, ctx.params[0] ?? ''), ctx.now) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/avatars\/(?!looks$)([^/]+)$/u,
      envelope: 'v3',
      handle: (ctx) => {
        const groupId = ctx.params[0] ?? '';
        const ref = groupOr404(state, groupId);
        if (ref.kind === 'public') throw forbidden(`Avatar group ${groupId} is public: it cannot be deleted`);
        state.deleteGroup(groupId);
        return { data: { id: groupId } };
      },
    },
  ];
}
