import { z } from 'zod';
import { ASSET_CONTENT_TYPES, type AssetContentType } from '../port';

/** The content types an upload may carry (the port's list: both API generations take the same five). */
export const ACCEPTED_ASSET_TYPES = ASSET_CONTENT_TYPES;
export const assetContentTypeSchema = z.enum(ACCEPTED_ASSET_TYPES);
export type { AssetContentType };

export const uploadedAssetSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  file_type: z.string(),
  folder_id: z.string().nullish(),
  created_ts: z.number().nullish(),
  url: z.string().nullish(),
  image_key: z.string().nullish(),
});
export type UploadedAsset = z.infer<typeof uploadedAssetSchema>;

export const assetListItemSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  file_type: z.string().nullish(),
  folder_id: z.string().nullish(),
  created_ts: z.number().nullish(),
  url: z.string().nullish(),
});
export type AssetListItem = z.infer<typeof assetListItemSchema>;

export const assetListPageSchema = z.looseObject({
  assets: z.array(assetListItemSchema),
  total: z.number().nullish(),
  token: z.string().nullish(),
});
export type AssetListPage = z.infer<typeof assetListPageSchema>;

export const listAssetsQuerySchema = z.object({
  file_type: z.enum(['image', 'video', 'audio']).optional(),
  folder_id: z.string().optional(),
  limit: z.number().int().min(1).max(100).optional(),
  token: z.string().optional(),
});
export type ListAssetsQuery = z.infer<typeof listAssetsQuerySchema>;
