// Handlers that skip their work on a conditional request. When a cached page goes stale, Larder
// does not throw it away: it runs the handler with `If-None-Match` (the page's ETag) and
// `If-Modified-Since` (its Last-Modified). The handler looks up the article's version, which is
// cheap, and when nothing changed answers 304 without rendering, which is the expensive part. Larder
// then serves the stored page, with the fresh headers of the 304, to everyone.

/** The articles, as a database would hold them: the version and date change on every edit. */
export function createArticles() {
  const articles = new Map([
    ['1', { title: 'Hello', text: 'First post.', version: 1, updatedAt: new Date(Date.UTC(2026, 0, 1)) }],
  ]);
  return {
    /** Only the version and date: a cheap query (an indexed column, a cache of versions). */
    versionOf: (id) => {
      const a = articles.get(id);
      return a === undefined
        ? undefined
        : { etag: `"article-${id}-v${a.version}"`, lastModified: a.updatedAt.toUTCString() };
    },
    get: (id) => articles.get(id),
    edit(id, text) {
      const a = articles.get(id);
      a.text = text;
      a.version++;
      a.updatedAt = new Date(a.updatedAt.getTime() + 60_000);
    },
  };
}

/** The expensive part: rendering the whole page. Counted, to show when it runs. */
function render(article, stats) {
  stats.renders++;
  return `<!doctype html><h1>${article.title}</h1><p>${article.text}</p>`;
}

/** Whether the request's validators name the current version (what a 304 means). */
function unchanged(headers, version) {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === version.etag);
  const ims = headers['if-modified-since'];
  return ims !== undefined && Date.parse(version.lastModified) <= Date.parse(ims);
}

/**
 * The Fastify app. `now` is Larder's clock (tests move it; leave it out in production).
 * @param {{ now?: () => number }} [options]
 */
export async function createFastifyApp(options = {}) {
  const { default: Fastify } = await import('fastify');
  const { larder } = await import('@larder/fastify');
  const app = Fastify();
  await app.register(larder, options.now === undefined ? {} : { now: options.now });
  const articles = createArticles();
  const stats = { renders: 0, skipped: 0 };
  app.get('/articles/:id', { config: { cache: { ttl: '30s' } } }, async (request, reply) => {
    const version = articles.versionOf(request.params.id);
    if (version === undefined) return reply.code(404).send('not found');
    reply.header('etag', version.etag).header('last-modified', version.lastModified);
    reply.header('cache-control', 'max-age=30');
    if (unchanged(request.headers, version)) {
      stats.skipped++;
      return reply.code(304).send();
    }
    return reply.type('text/html').send(render(articles.get(request.params.id), stats));
  });
  return { app, articles, stats };
}

/**
 * The Express app. `res.send` would answer 304 by itself to a matching `If-None-Match`, but only
 * after the page was rendered: checking first is what saves the work.
 * @param {{ now?: () => number }} [options]
 */
export async function createExpressApp(options = {}) {
  const { default: express } = await import('express');
  const { larder } = await import('@larder/express');
  const app = express();
  const cache = larder(options.now === undefined ? {} : { now: options.now });
  const articles = createArticles();
  const stats = { renders: 0, skipped: 0 };
  app.get('/articles/:id', cache.route({ ttl: '30s' }), (req, res) => {
    const version = articles.versionOf(req.params.id);
    if (version === undefined) return res.status(404).send('not found');
    res.set({ etag: version.etag, 'last-modified': version.lastModified, 'cache-control': 'max-age=30' });
    if (unchanged(req.headers, version)) {
      stats.skipped++;
      return res.status(304).end();
    }
    res.type('html').send(render(articles.get(req.params.id), stats));
  });
  return { app, cache, articles, stats };
}
