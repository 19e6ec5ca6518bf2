// `npm start`: the Fastify app on PORT_FASTIFY (default 3001) and the Express app on PORT_EXPRESS
// (default 3002), on loopback. Point Prometheus at http://127.0.0.1:3001/metrics and :3002/metrics.
import { expressApp, fastifyApp } from './apps.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const fastify = await fastifyApp();
await fastify.listen({ host, port: Number(process.env.PORT_FASTIFY ?? 3001) });
const { app, cache } = expressApp();
const server = app.listen(Number(process.env.PORT_EXPRESS ?? 3002), host);
await new Promise((resolve) => server.once('listening', resolve));
const expressPort = server.address().port;
const fastifyPort = fastify.server.address().port;
console.log(
  `fastify  http://${host}:${fastifyPort}/products/1   metrics: http://${host}:${fastifyPort}/metrics`,
);
console.log(
  `express  http://${host}:${expressPort}/products/1   metrics: http://${host}:${expressPort}/metrics`,
);
console.log(`load:    node load.mjs http://${host}:${fastifyPort} http://${host}:${expressPort}`);

const stop = async () => {
  await fastify.close();
  server.close();
  server.closeAllConnections();
  await cache.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
