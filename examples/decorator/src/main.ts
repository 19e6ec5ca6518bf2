/**
 * `npm start`: the service, then each framework's controller, with what the cache answered.
 */
import type { AddressInfo } from 'node:net';
import { buildExpressApp } from './express-app.js';
import { buildFastifyApp } from './fastify-app.js';
import { UserService } from './user-service.js';

const users = new UserService();
const [a, b] = await Promise.all([users.find(1), users.find(1)]);
console.log('service: two concurrent find(1) ->', a?.name, b?.name, `(ran ${users.runs.find} time)`);
console.log('service: slug() is synchronous ->', users.slug('Grace Hopper'), users.slug('Grace Hopper'));

const fastify = await buildFastifyApp(new UserService());
for (let i = 0; i < 2; i++) {
  const response = await fastify.inject('/users/2');
  console.log(`fastify GET /users/2 -> ${response.statusCode} ${response.headers['cache-status']}`);
}
await fastify.close();

const { app } = buildExpressApp(new UserService());
const server = app.listen(0);
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;
for (let i = 0; i < 2; i++) {
  const response = await fetch(`http://127.0.0.1:${port}/users/1`);
  await response.arrayBuffer();
  console.log(`express GET /users/1 -> ${response.status} ${response.headers.get('cache-status')}`);
}
server.close();
