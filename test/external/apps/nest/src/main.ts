// A NestJS app as `nest new` makes it (CommonJS, moduleResolution node, decorators), on both platforms.
import 'reflect-metadata';
// biome-ignore lint/style/useImportType: a value import, as Nest apps write it: under `import type` tsc emits `Function` as the constructor's parameter type and Nest cannot inject the service
import { CacheResponse, LarderModule, LarderService } from '@larder/nestjs';
import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

let calls = 0;

@Controller('items')
class ItemsController {
  constructor(private readonly cache: LarderService) {}

  @Get(':id')
  @CacheResponse({ ttl: '5 min', tags: (req) => [`item:${req.params.id}`] })
  show(@Param('id') id: string) {
    calls++;
    return { id, calls };
  }

  @Post(':id')
  async touch(@Param('id') id: string) {
    return { removed: await this.cache.invalidate({ tags: [`item:${id}`] }) };
  }
}

@Module({ imports: [LarderModule.forRoot({ ttl: '1m' })], controllers: [ItemsController] })
class AppModule {}

async function run(platform: 'express' | 'fastify') {
  const before = calls;
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  // errors logged, and thrown rather than ending the process, so a failure says what it was
  const app = await NestFactory.create(AppModule, adapter, { logger: ['error'], abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const statuses: (string | null)[] = [];
  statuses.push((await fetch(`${base}/items/1`)).headers.get('cache-status'));
  const hit = await fetch(`${base}/items/1`);
  statuses.push(hit.headers.get('cache-status'));
  const body = await hit.json();
  const removed = (await (await fetch(`${base}/items/1`, { method: 'POST' })).json()).removed;
  statuses.push((await fetch(`${base}/items/1`)).headers.get('cache-status'));
  await app.close();
  return { statuses, handlerCalls: calls - before, body, removed };
}

async function main() {
  const result = { express: await run('express'), fastify: await run('fastify') };
  console.log(JSON.stringify(result));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
