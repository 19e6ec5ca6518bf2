/**
 * An Express controller: `@cacheResponse` from `@larder/express` caches the whole HTTP response through
 * the engine of the `larder()` middleware mounted above it, keyed by method, route pattern, params
 * and query.
 */
import { cacheResponse, type LarderMiddleware, larder } from '@larder/express';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { UserService } from './user-service.js';

export class UsersController {
  constructor(private readonly users: UserService) {}

  @cacheResponse({ ttl: '30s', tags: (req) => [`user:${req.params.id}`] })
  async show(req: Request<{ id: string }>, res: Response, _next: NextFunction) {
    const user = await this.users.find(Number(req.params.id));
    if (user === undefined) return void res.status(404).json({ error: 'no such user' });
    res.json({ ...user, slug: this.users.slug(user.name) });
  }

  async rename(req: Request<{ id: string }>, res: Response) {
    await this.users.rename(Number(req.params.id), String(req.body?.name));
    res.status(204).end();
  }
}

export function buildExpressApp(users: UserService): { app: Express; cache: LarderMiddleware } {
  const app = express();
  const cache = larder();
  app.use(cache); // above the routes; @cacheResponse handlers find its engine on the request
  app.use(express.json());
  const controller = new UsersController(users);
  app.get('/users/:id', (req, res, next) => controller.show(req, res, next));
  app.put('/users/:id', (req, res) => controller.rename(req, res));
  return { app, cache };
}
