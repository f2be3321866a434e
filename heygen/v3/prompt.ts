import { MAX_PROMPT_CHARS, type LookSpec, type PhotoAttributes } from '../../contracts/fields';
import type { PhotoPrompt } from '../port';

/**
 * HeyGen API v3 takes a free-text `prompt` where v2 took enumerated attributes (heygen-v3-notes.md §5): these
 * functions are the one place the product's attributes become prompt text. 'Unspecified' values are left out, and
 * the result never exceeds MAX_PROMPT_CHARS: the caller's free text is shortened, never the attributes.
 */

const POSE_WORDS: Record<NonNullable<LookSpec['pose']>, string> = {
  half_body: 'half-body',
  close_up: 'close-up',
  full_body: 'full-body',
  headshot: 'headshot',
};

const GENDER_WORDS: Record<PhotoAttributes['gender'], string> = {
  Woman: 'woman',
  Man: 'man',
  Unspecified: 'person',
};

const UNSPECIFIED = 'Unspecified';

/** The prompt of an AI photo: free text as given, or the attributes composed into a sentence and the appearance. */
export function composePhotoPrompt(source: PhotoPrompt): string {
  if ('prompt' in source) return fit('', source.prompt);
  const a = source.attributes;
  const subject = [known(a.age), known(a.ethnicity), GENDER_WORDS[a.gender]].filter(Boolean).join(' ');
  return fit(`${framing(a.style, a.pose, a.orientation)}, of ${withArticle(subject)}.`, a.appearance);
}

/** The prompt of a new look: the look's own prompt, after a framing sentence when orientation, pose or style is set. */
export function composeLookPrompt(look: LookSpec): string {
  if (look.orientation === undefined && look.pose === undefined && look.style === undefined) {
    return fit('', look.prompt);
  }
  return fit(`${framing(look.style, look.pose, look.orientation)}.`, look.prompt);
}

/** "A Realistic style half-body photo, square framing" — each part only when given and not 'Unspecified'. */
function framing(style?: string, pose?: LookSpec['pose'], orientation?: string): string {
  const head = [known(style) ? `${style} style` : '', pose ? POSE_WORDS[pose] : '', 'photo'].filter(Boolean);
  const sentence = capitalise(withArticle(head.join(' ')));
  return orientation ? `${sentence}, ${orientation} framing` : sentence;
}

/** `preamble` followed by `free`, shortened (at the end of `free`) to MAX_PROMPT_CHARS. */
function fit(preamble: string, free: string): string {
  const text = free.trim();
  const room = MAX_PROMPT_CHARS - (preamble ? preamble.length + 1 : 0);
  const kept = text.length > room ? text.slice(0, Math.max(0, room)).trimEnd() : text;
  return preamble ? `${preamble} ${kept}`.trimEnd() : kept;
}

function known(value: string | undefined): string {
  return value && value !== UNSPECIFIED ? value : '';
}

function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
