import { inputValidationActivities } from '../../activities/inputValidation';
import { API_VERSIONS } from '../../contracts/apiVersion';
import type { LifecycleInput } from '../../contracts/lifecycle';
import type { WaitMode } from '../../contracts/polling';
import { createHeyGenPort } from '../../heygen/select';
import { lifecycleInputFor, sceneRender } from '../support/versions';

/** The validation local activity: the deployment's wait mode for inputs that name none (recorded with the input). */

// Never called: validation makes no HeyGen call.
const config = { apiBaseUrl: 'http://127.0.0.1:9', uploadBaseUrl: 'http://127.0.0.1:9', apiKey: 'unused' };
const ports = Object.fromEntries(
  API_VERSIONS.map((v) => [v, createHeyGenPort({ ...config, apiVersion: v })]),
);
const validator = (defaultWaitMode?: WaitMode) =>
  inputValidationActivities({ heygen: ports.v3!, ports, ...(defaultWaitMode ? { defaultWaitMode } : {}) });

function withoutWaitMode(input: LifecycleInput): LifecycleInput {
  const { waitMode: _ignored, ...rest } = input;
  return rest;
}

test('a worker set to webhook mode makes it the default of the runs it validates; an input still chooses', async () => {
  const lifecycle = withoutWaitMode(lifecycleInputFor('v3'));
  const webhook = validator('webhook');
  expect(
    (await webhook.validateWorkflowInput({ contract: 'lifecycle', input: lifecycle })).input,
  ).toMatchObject({
    waitMode: 'webhook',
  });
  const chosen = await webhook.validateWorkflowInput({
    contract: 'lifecycle',
    input: { ...lifecycle, waitMode: 'poll' },
  });
  expect(chosen.input).toMatchObject({ waitMode: 'poll' });
  const render = await webhook.validateWorkflowInput({ contract: 'render', input: sceneRender('Hi') });
  expect(render.input).toMatchObject({ waitMode: 'webhook' });

  // A batch's items get it too (the batch reads which of them poll).
  const batch = await webhook.validateWorkflowInput({
    contract: 'batch',
    input: {
      items: [{ render: sceneRender('One') }, { render: { ...sceneRender('Two'), waitMode: 'poll' } }],
    },
  });
  expect(
    (batch.input as { items: Array<{ render: { waitMode?: string } }> }).items.map((i) => i.render.waitMode),
  ).toEqual(['webhook', 'poll']);
});

test('a worker without HEYGEN_WAIT_MODE leaves the input as it is (its runs poll)', async () => {
  const lifecycle = withoutWaitMode(lifecycleInputFor('v3'));
  const validated = await validator().validateWorkflowInput({ contract: 'lifecycle', input: lifecycle });
  expect(validated.input).not.toHaveProperty('waitMode');
  expect(validated.apiVersion).toBe('v3');
});
