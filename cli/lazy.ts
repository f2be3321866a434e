/** The names of a module's exported functions. */
type Handlers<M> = { [P in keyof M]: M[P] extends (...args: never[]) => unknown ? P : never }[keyof M];

/**
 * A command's handler, loaded when the command runs: each command module pulls in what it needs (the Temporal
 * client, the worker, fastify, the AWS SDK...), so `--help` and every other command skip it (start-up: about 1.4 s
 * with every command module loaded, a few hundred ms with one). Commander's arguments are passed on as they come.
 */
export function lazy<M, K extends Handlers<M>>(load: () => Promise<M>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    const handler = (await load())[name] as (...a: unknown[]) => unknown;
    await handler(...args);
  };
}
