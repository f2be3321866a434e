import { Option, type Command } from 'commander';
import { lazy } from '../lazy';

const actions = () => import('./catalog');

/**
 * Catalog and asset commands: `avatars`, `voices`, `groups`, `looks <groupId>` (cached, see heygen/catalog.ts) and
 * `assets upload|list|delete`, through the API version HEYGEN_API_VERSION selects. Tables go to stdout; with --json,
 * stdout carries only JSON (the port's neutral fields).
 */
export function registerCatalogCommands(program: Command): void {
  const listFlags = (cmd: Command) =>
    cmd
      .option('--json', 'print JSON instead of a table')
      .option('--refresh', 'ignore the cache and fetch the list again');

  listFlags(
    program
      .command('avatars')
      .description('list avatars (cached for HEYGEN_CATALOG_TTL_SECONDS)')
      .option('--gender <gender>', 'only this gender, e.g. female')
      .option('--name <text>', 'name or id contains this text')
      .option('--type <type>', 'only this type, e.g. avatar or talking_photo (v2)')
      .option('--webm', 'only avatars that render as a transparent WebM'),
  ).action(lazy(actions, 'avatarsCommand'));

  listFlags(
    program
      .command('voices')
      .description('list voices (cached for HEYGEN_CATALOG_TTL_SECONDS)')
      .option('--language <language>', 'language as HeyGen gives it, e.g. English (or en for en-US codes)')
      .option('--gender <gender>', 'only this gender, e.g. male')
      .option('--name <text>', 'name or id contains this text'),
  ).action(lazy(actions, 'voicesCommand'));

  listFlags(
    program
      .command('groups')
      .description("list the account's avatar groups (cached for HEYGEN_CATALOG_TTL_SECONDS)")
      .option('--name <text>', 'name or id contains this text'),
  ).action(lazy(actions, 'groupsCommand'));

  listFlags(
    program
      .command('looks')
      .description('list the looks of an avatar group (cached for HEYGEN_CATALOG_TTL_SECONDS)')
      .argument('<groupId>')
      .option('--name <text>', 'name or id contains this text')
      .option('--status <status>', 'only looks with this status, e.g. completed'),
  ).action(lazy(actions, 'looksCommand'));

  const assets = program.command('assets').description('HeyGen assets: upload, list, delete');
  assets
    .command('upload')
    .description('upload a local file or an http(s) URL (type detected from the bytes)')
    .argument('<pathOrUrl>')
    .option('--json', 'print the uploaded asset as JSON')
    .action(lazy(actions, 'assetsUploadCommand'));
  assets
    .command('list')
    .description('list every asset (all pages)')
    .addOption(new Option('--type <type>', 'only this kind of asset').choices(['image', 'video', 'audio']))
    .option('--json', 'print JSON instead of a table')
    .action(lazy(actions, 'assetsListCommand'));
  assets
    .command('delete')
    .description('delete an asset')
    .argument('<assetId>')
    .action(lazy(actions, 'assetsDeleteCommand'));
}
