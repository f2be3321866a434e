import {
  API_CAPABILITIES,
  API_VERSIONS,
  DEFAULT_API_VERSION,
  type ApiVersion,
} from '../../contracts/apiVersion';
import type { Dimension } from '../../contracts/fields';
import type { LedgerKind } from '../../simulator/types';
import type { Args } from './args';

/**
 * The HeyGen API versions a benchmark runs: `--api v3`, `--api v2` or `--api v3,v2` (each in turn, reported side by
 * side); without the option, HEYGEN_API_VERSION (as the product reads it), else the product's default (v3).
 */
export function apiVersions(args: Args, env: NodeJS.ProcessEnv = process.env): ApiVersion[] {
  const fallback = env.HEYGEN_API_VERSION?.trim() || DEFAULT_API_VERSION;
  const wanted = args.list('api', fallback);
  const unknown = wanted.filter((v) => !(API_VERSIONS as readonly string[]).includes(v));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(
      `--api takes ${API_VERSIONS.join(', ')} (comma-separated), got ${wanted.join(',') || '""'}`,
    );
  }
  return [...new Set(wanted as ApiVersion[])];
}

/** One API version, for the benchmarks that run a single one (the fault campaign). */
export function apiVersion(args: Args, env: NodeJS.ProcessEnv = process.env): ApiVersion {
  const versions = apiVersions(args, env);
  if (versions.length !== 1 || versions[0] === undefined) {
    throw new Error(
      `--api takes one version here (${API_VERSIONS.join(' or ')}): run the command once per version`,
    );
  }
  return versions[0];
}

/**
 * The benchmark video size. v3 takes only sizes that map exactly to its resolutions and aspect ratios (720p,
 * 1080p, 4k); 1280×720 is one both versions render, so v2 and v3 figures are of the same video.
 */
export const BENCH_DIMENSION: Dimension = { width: 1280, height: 720 };

/**
 * The billable creates one benchmark lifecycle makes when nothing goes wrong (4 AI photos on v2, 1 generated look),
 * derived from the version's capabilities: v2 generates photos, creates the group from the first and adds the
 * others as looks, then trains; v3 creates the avatar (and its one look) from the prompt and has no training.
 */
export function expectedBilling(
  version: ApiVersion,
  o: { photosPerGeneration: number; generatedLooks: number },
): Record<LedgerKind, number> {
  const api = API_CAPABILITIES[version];
  return {
    photo_generation: api.promptCreatesAvatar ? 0 : 1,
    avatar: 1,
    look: api.promptCreatesAvatar ? 0 : o.photosPerGeneration - 1,
    training: api.training ? 1 : 0,
    look_generation: o.generatedLooks,
    render: 1,
  };
}
