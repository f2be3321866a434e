// Until api/ (being rewritten on fastify) imports contracts/definitions: the definitions live there.
export * from '../contracts/definitions';
