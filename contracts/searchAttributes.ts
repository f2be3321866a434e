import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes: how a person finds a run in the Temporal UI (or `temporal workflow list --query`) by
 * stage, by any HeyGen id, by avatar name, by failure code, or by the caller's own reference. Registered
 * automatically on the dev servers this product starts, and by `heygen-pipelines search-attributes register` on a
 * self-hosted cluster.
 */
export const SEARCH_ATTRIBUTES = {
  stage: defineSearchAttributeKey('HeyGenStage', SearchAttributeType.KEYWORD),
  ids: defineSearchAttributeKey('HeyGenIds', SearchAttributeType.KEYWORD_LIST),
  avatarName: defineSearchAttributeKey('HeyGenAvatarName', SearchAttributeType.KEYWORD),
  failureCode: defineSearchAttributeKey('HeyGenFailureCode', SearchAttributeType.KEYWORD),
  reference: defineSearchAttributeKey('CallerReference', SearchAttributeType.KEYWORD),
  apiVersion: defineSearchAttributeKey('HeyGenApiVersion', SearchAttributeType.KEYWORD),
} as const;

/** Name and Temporal type of each, as `temporal server start-dev --search-attribute NAME=TYPE` takes them. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'KeywordList'> = Object.fromEntries(
  Object.values(SEARCH_ATTRIBUTES).map((key) => [
    key.name,
    key.type === SearchAttributeType.KEYWORD_LIST ? 'KeywordList' : 'Keyword',
  ]),
);
