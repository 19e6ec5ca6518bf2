/**
 * A Fastify controller: `@cacheResponse` from `@larder/fastify` caches the whole HTTP response through
 * the plugin's engine, keyed by method, route pattern, params and query.
 */
import { cacheResponse, larder } from '@larder/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { UserService } from './user-service.js';

type ById = FastifyRequest<{ Params: { id: string } }>;

export class UsersController {
  constructor(private readonly users: UserService) {}

  @cacheResponse({ ttl: '30s', tags: (request) => [`user:${(request.params as { id: string }).id}`] })
  async show(request: ById, reply: FastifyReply) {
    const user = await this.users.find(Number(request.params.id));
    if (user === undefined) return reply.code(404).send({ error: 'no such user' });
    return { ...user, slug: this.users.slug(user.name) };
  }

  async rename(request: ById & { body: { name: string } }, reply: FastifyReply) {
    await this.users.rename(Number(request.params.id), request.body.name);
    return reply.code(204).send();
  }
}

export async function buildFastifyApp(users: UserService): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(larder); // before the routes
  const controller = new UsersController(users);
  app.get('/users/:id', (request: ById, reply) => controller.show(request, reply));
  // a successful PUT invalidates the entries of its URL (the plugin does it for every route)
  app.put('/users/:id', (request, reply) =>
    controller.rename(request as ById & { body: { name: string } }, reply),
  );
  return app;
}
