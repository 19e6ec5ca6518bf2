// Express 4, CommonJS: require() of @larder/express, route tags(req) seeing req.params, '5 min'.
const express = require('express');
const { larder } = require('@larder/express');

const cache = larder('5 min');
const app = express();
let calls = 0;
const seen = [];
app.get(
  '/items/:id',
  cache.route({
    tags: (req) => {
      seen.push(req.params.id);
      return [`item:${req.params.id}`];
    },
  }),
  (req, res) => {
    res.json({ id: req.params.id, calls: ++calls });
  },
);
const server = app.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}/items/7`;
  const statuses = [];
  statuses.push((await fetch(url)).headers.get('cache-status'));
  statuses.push((await fetch(url)).headers.get('cache-status'));
  const removed = await cache.invalidate({ tags: ['item:7'] });
  statuses.push((await fetch(url)).headers.get('cache-status'));
  server.close();
  await cache.close();
  console.log(JSON.stringify({ statuses, calls, seen: [...new Set(seen)], removed }));
});
