// `npm start`: the Fastify app on port 3000. Request /articles/1, wait 30 s, request it again: the
// handler runs with If-None-Match, answers 304 without rendering, and Larder serves the stored page
// (`Cache-Status: larder; fwd=stale; fwd-status=304; stored`).
import { createFastifyApp } from './apps.mjs';

const { app } = await createFastifyApp();
await app.listen({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${app.listeningOrigin ?? 'http://localhost:3000'}`);
