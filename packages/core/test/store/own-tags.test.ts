import { describe, expect, it } from 'vitest';
import { cacheKey, keyOrigin, normalizePathAndQuery } from '../../src/http/cache-key.js';
import { keyTag, originUrlTag, urlTag } from '../../src/http/tags.js';
import { isOwnKeyTag, ownKeyOfTag } from '../../src/store/own-tags.js';

describe('own-key tags', () => {
  it('an origin URL tag names the default key of its URL on its origin, http or not', () => {
    for (const req of [
      { method: 'GET', url: '/items?b=2&a=1', headers: { host: 'Example.com' } },
      { method: 'HEAD', url: '/x', headers: { host: 'example.com:8443' }, scheme: 'https' },
    ]) {
      const path = normalizePathAndQuery(req.url);
      const key = cacheKey(req, path);
      const tag = originUrlTag(keyOrigin(req), path);
      expect(ownKeyOfTag(tag)).toBe(key);
      expect(isOwnKeyTag(tag, key)).toBe(true);
      expect(isOwnKeyTag(tag, `${key}x`)).toBe(false);
      expect(isOwnKeyTag(keyTag(key), key)).toBe(true);
      expect(ownKeyOfTag(keyTag(key))).toBe(key);
    }
  });

  it('no other tag names a key', () => {
    expect(ownKeyOfTag(urlTag('/a'))).toBeUndefined();
    expect(ownKeyOfTag('key:GET a/b')).toBeUndefined();
    expect(isOwnKeyTag(urlTag('/a'), 'GET /a')).toBe(false);
    // same length as an own tag of the key, different text
    expect(isOwnKeyTag('\0ourl:example.com/b', 'GET example.com/a')).toBe(false);
    expect(isOwnKeyTag('\0ourl:example.com/a', 'PUT example.com/a')).toBe(false);
    expect(isOwnKeyTag('\0kex:k', 'k')).toBe(false);
  });
});
