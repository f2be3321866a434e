/**
 * A command's handler, loaded when the command runs: each command module pulls in what it needs (the Temporal
 * client, the worker, fastify, the AWS SDK...), so `--help` and every other command skip it (start-up: about 1.4 s
 * with every command module loaded, a few hundred ms with one).
 */
export function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    const handler = (await load())[name] as (...a: unknown[]) => unknown;
    await handler(...args);
  };
}
