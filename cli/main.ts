#!/usr/bin/env node
import { Command } from 'commander';
import { serveApi } from './commands/api';
import { batchRender } from './commands/batch';
import { registerCatalogCommands } from './commands/catalog';
import { schemas } from './commands/contract';
import { registerSearchAttributes } from './commands/searchAttributes';
import { demo } from './commands/demo';
import { download } from './commands/download';
import { cancel, lifecycleStart, status, videoRender } from './commands/runs';
import { bundle, dev, simulator, worker } from './commands/services';
import { storageCheck } from './commands/storage';
import * as webhooks from './commands/webhooks';
import { reportFailure } from './output';

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
).action(dev);

devOptions(
  program.command('demo').description('dev, plus one full photo-avatar lifecycle ending with a video file'),
)
  .option('--input <file>', 'lifecycle input JSON (default examples/demo-lifecycle.json)')
  .option('--exit', 'stop everything once the lifecycle has finished')
  .action(demo);

program.command('worker').description('run a worker (configuration from the environment)').action(worker);
program.command('simulator').description('run the local HeyGen simulator').action(simulator);

const startOptions = (cmd: Command) =>
  cmd
    .requiredOption('--input <file>', 'input JSON file')
    .option('--workflow-id <id>', 'workflow id (default: generated)')
    .option('--reference <ref>', 'your own reference: the same reference never runs twice')
    .option('--wait', 'follow the run, showing its stages, and print its result')
    .option('--json', 'print only JSON on stdout');

const lifecycle = program.command('lifecycle').description('photo-avatar lifecycles');
startOptions(lifecycle.command('start').description('start a photoAvatarLifecycle')).action(lifecycleStart);

const video = program.command('video').description('video renders');
startOptions(
  video
    .command('render')
    .description('start a renderVideo (scenes, avatarIv or webm: examples/render-*.json)'),
).action(videoRender);

program
  .command('status')
  .argument('<workflowId>')
  .option('--json', 'print only JSON')
  .description("show a run's status and progress")
  .action(status);

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
  .action(batchRender);

registerCatalogCommands(program);

program
  .command('search-attributes')
  .description("the product's custom search attributes (automatic on dev servers)")
  .command('register')
  .description('register them in TEMPORAL_NAMESPACE on a self-hosted cluster (idempotent)')
  .action(registerSearchAttributes);

program
  .command('contract')
  .description('the language-neutral contract')
  .command('schemas')
  .description('write the JSON Schemas of workflow inputs, results and signals to contracts/json-schema/')
  .option('--check', 'only check that the committed files are current (exit 1 if not)')
  .option('--out <dir>', 'write elsewhere')
  .action(schemas);

const hooks = program.command('webhooks').description('HeyGen webhooks: the receiver and its registration');
hooks
  .command('serve')
  .description(
    'run the webhook receiver (WEBHOOK_HOST, WEBHOOK_PORT, HEYGEN_WEBHOOK_SECRETS, HEYGEN_WEBHOOK_SECRETS_FILE: watched, reloaded without a restart)',
  )
  .action(webhooks.serve);
hooks
  .command('register')
  .description('register the receiver URL with HeyGen (reuses an endpoint with the same URL)')
  .requiredOption('--url <url>', 'public URL of the receiver, e.g. https://hooks.example.com/webhooks/heygen')
  .option('--events <list>', 'comma-separated event types (default: the ones the product uses)')
  .option('--secret-file <path>', 'write the signing secret to this file (mode 600) instead of stdout')
  .option('--json', 'print the endpoint as JSON (includes the secret)')
  .action(webhooks.register);
hooks
  .command('rotate')
  .description('rotate an endpoint signing secret (v3) and write it to the secrets file the receivers watch')
  .option('--url <url>', 'the endpoint, by its registered URL')
  .option('--endpoint-id <id>', 'the endpoint, by its id')
  .option('--secret-file <path>', 'secrets file (default HEYGEN_WEBHOOK_SECRETS_FILE)')
  .option('--grace-seconds <n>', 'how long the previous secret stays accepted (default 600)')
  .option('--json', 'print the result as JSON (never the secret)')
  .action(webhooks.rotate);
hooks
  .command('list')
  .option('--json', 'print JSON (secrets redacted)')
  .description('list webhook endpoints')
  .action(webhooks.list);
hooks
  .command('delete')
  .argument('<endpointId>')
  .description('delete a webhook endpoint')
  .action(webhooks.remove);

program
  .command('bundle')
  .description('bundle the workflow code once (for WORKFLOW_BUNDLE_PATH: workers then start without webpack)')
  .option('--out <file>', 'output file', 'dist/workflow-bundle.js')
  .action(bundle);

program
  .command('api')
  .description('run the HTTP API (API_HOST, API_PORT, API_TOKENS); OpenAPI at /openapi.json')
  .option(
    '--with-webhooks',
    'also run the webhook receiver in this process (WEBHOOK_*, HEYGEN_WEBHOOK_SECRETS)',
  )
  .action(serveApi);

program
  .command('download')
  .argument('<workflowId>')
  .description("download a completed run's video (or captions, thumbnail, gif), sha256 checked")
  .option('--name <name>', 'video, captions, thumbnail or gif', 'video')
  .option('--output <file>', 'where to write it (default <workflowId>-<name>.<ext>)')
  .option('--json', 'print the stored file as JSON on stdout')
  .action(download);

program
  .command('storage')
  .description('where finished media goes (STORAGE=local|s3)')
  .command('check')
  .description('check that the configured storage is reachable and writable')
  .option('--create-bucket', 'create the S3 bucket when it does not exist')
  .action(storageCheck);

program.command('cancel').argument('<workflowId>').description('cancel a run').action(cancel);

program.parseAsync(process.argv).catch((err: unknown) => reportFailure(err, false));
