#!/usr/bin/env node
import { Command } from 'commander';
import { registerCatalogCommands } from './commands/catalogCommands';
import { lazy } from './lazy';

/** The command modules, each loaded only when one of its commands runs (cli/lazy.ts). */
const commands = {
  api: () => import('./commands/api'),
  batch: () => import('./commands/batch'),
  contract: () => import('./commands/contract'),
  searchAttributes: () => import('./commands/searchAttributes'),
  demo: () => import('./commands/demo'),
  download: () => import('./commands/download'),
  runs: () => import('./commands/runs'),
  services: () => import('./commands/services'),
  storage: () => import('./commands/storage'),
  webhooks: () => import('./commands/webhooks'),
};

const program = new Command();
program
  .name('heygen-pipelines')
  .description('Durable HeyGen photo-avatar and video pipelines on Temporal')
  .showHelpAfterError();

const devOptions = (cmd: Command) =>
  cmd
    .option('--no-simulator', 'use HEYGEN_API_BASE_URL / HEYGEN_API_KEY instead of the embedded simulator')
    .option('--db-file <path>', 'Temporal dev server database file (default .data/temporal.db)')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--webhook-port <port>', 'webhook receiver port (registered with the simulator)', '8088');

devOptions(
  program.command('dev').description('Temporal dev server + HeyGen simulator + worker, until Ctrl-C'),
).action(lazy(commands.services, 'dev'));

devOptions(
  program.command('demo').description('dev, plus one full photo-avatar lifecycle ending with a video file'),
)
  .option('--input <file>', 'lifecycle input JSON (default examples/demo-lifecycle.json)')
  .option('--exit', 'stop everything once the lifecycle has finished')
  .action(lazy(commands.demo, 'demo'));

program
  .command('worker')
  .description('run a worker (configuration from the environment)')
  .action(lazy(commands.services, 'worker'));
program
  .command('simulator')
  .description('run the local HeyGen simulator')
  .action(lazy(commands.services, 'simulator'));

const startOptions = (cmd: Command) =>
  cmd
    .requiredOption('--input <file>', 'input JSON file')
    .option('--workflow-id <id>', 'workflow id (default: generated)')
    .option('--reference <ref>', 'your own reference: the same reference never runs twice')
    .option('--wait', 'follow the run, showing its stages, and print its result')
    .option('--json', 'print only JSON on stdout');

const lifecycle = program.command('lifecycle').description('photo-avatar lifecycles');
startOptions(lifecycle.command('start').description('start a photoAvatarLifecycle')).action(
  lazy(commands.runs, 'lifecycleStart'),
);

const video = program.command('video').description('video renders');
startOptions(
  video
    .command('render')
    .description('start a renderVideo (scenes, avatarIv or webm: examples/render-*.json)'),
).action(lazy(commands.runs, 'videoRender'));

program
  .command('status')
  .argument('<workflowId>')
  .option('--json', 'print only JSON')
  .description("show a run's status and progress")
  .action(lazy(commands.runs, 'status'));

const batch = program.command('batch').description('batches of renders');
batch
  .command('render')
  .description('render every item of a JSONL or CSV file as one renderBatch (exit 2 if some items failed)')
  .requiredOption(
    '--input <file>',
    'items.jsonl (renderVideo inputs) or items.csv (ref,avatar_id|look_id,voice_id,script,...: cli/batchInput.ts)',
  )
  .option('--workflow-id <id>', 'workflow id (default: generated)')
  .option('--reference <ref>', 'your own reference: the same reference never runs twice')
  .option('--max-parallel <n>', 'child renders started at once by this batch')
  .option('--wait', 'show a progress bar and print the result')
  .option('--json', 'print only JSON on stdout')
  .action(lazy(commands.batch, 'batchRender'));

registerCatalogCommands(program);

program
  .command('search-attributes')
  .description("the product's custom search attributes (automatic on dev servers)")
  .command('register')
  .description('register them in TEMPORAL_NAMESPACE on a self-hosted cluster (idempotent)')
  .action(lazy(commands.searchAttributes, 'registerSearchAttributes'));

program
  .command('contract')
  .description('the language-neutral contract')
  .command('schemas')
  .description('write the JSON Schemas of workflow inputs, results and signals to contracts/json-schema/')
  .option('--check', 'only check that the committed files are current (exit 1 if not)')
  .option('--out <dir>', 'write elsewhere')
  .action(lazy(commands.contract, 'schemas'));

const hooks = program.command('webhooks').description('HeyGen webhooks: the receiver and its registration');
hooks
  .command('serve')
  .description(
    'run the webhook receiver (WEBHOOK_HOST, WEBHOOK_PORT, HEYGEN_WEBHOOK_SECRETS, HEYGEN_WEBHOOK_SECRETS_FILE: watched, reloaded without a restart)',
  )
  .action(lazy(commands.webhooks, 'serve'));
hooks
  .command('register')
  .description('register the receiver URL with HeyGen (reuses an endpoint with the same URL)')
  .requiredOption('--url <url>', 'public URL of the receiver, e.g. https://hooks.example.com/webhooks/heygen')
  .option('--events <list>', 'comma-separated event types (default: the ones the product uses)')
  .option('--secret-file <path>', 'write the signing secret to this file (mode 600) instead of stdout')
  .option('--json', 'print the endpoint as JSON (includes the secret)')
  .action(lazy(commands.webhooks, 'register'));
hooks
  .command('rotate')
  .description('rotate an endpoint signing secret (v3) and write it to the secrets file the receivers watch')
  .option('--url <url>', 'the endpoint, by its registered URL')
  .option('--endpoint-id <id>', 'the endpoint, by its id')
  .option('--secret-file <path>', 'secrets file (default HEYGEN_WEBHOOK_SECRETS_FILE)')
  .option('--grace-seconds <n>', 'how long the previous secret stays accepted (default 600)')
  .option('--json', 'print the result as JSON (never the secret)')
  .action(lazy(commands.webhooks, 'rotate'));
hooks
  .command('list')
  .option('--json', 'print JSON (secrets redacted)')
  .description('list webhook endpoints')
  .action(lazy(commands.webhooks, 'list'));
hooks
  .command('delete')
  .argument('<endpointId>')
  .description('delete a webhook endpoint')
  .action(lazy(commands.webhooks, 'remove'));

program
  .command('bundle')
  .description('bundle the workflow code once (for WORKFLOW_BUNDLE_PATH: workers then start without webpack)')
  .option('--out <file>', 'output file', 'dist/workflow-bundle.js')
  .action(lazy(commands.services, 'bundle'));

program
  .command('api')
  .description('run the HTTP API (API_HOST, API_PORT, API_TOKENS); OpenAPI at /openapi.json')
  .option(
    '--with-webhooks',
    'also run the webhook receiver in this process (WEBHOOK_*, HEYGEN_WEBHOOK_SECRETS)',
  )
  .action(lazy(commands.api, 'serveApi'));

program
  .command('download')
  .argument('<workflowId>')
  .description("download a completed run's video (or captions, thumbnail, gif), sha256 checked")
  .option('--name <name>', 'video, captions, thumbnail or gif', 'video')
  .option('--output <file>', 'where to write it (default <workflowId>-<name>.<ext>)')
  .option('--json', 'print the stored file as JSON on stdout')
  .action(lazy(commands.download, 'download'));

program
  .command('storage')
  .description('where finished media goes (STORAGE=local|s3)')
  .command('check')
  .description('check that the configured storage is reachable and writable')
  .option('--create-bucket', 'create the S3 bucket when it does not exist')
  .action(lazy(commands.storage, 'storageCheck'));

program
  .command('cancel')
  .argument('<workflowId>')
  .description('cancel a run')
  .action(lazy(commands.runs, 'cancel'));

program.parseAsync(process.argv).catch(async (err: unknown) => {
  const { reportFailure } = await import('./output');
  reportFailure(err, false);
});
