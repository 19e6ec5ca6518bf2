import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { strongEtag } from '../../src/http/etag.js';

it('is the quoted base64url SHA-1 of the bytes', () => {
  const body = new Uint8Array([0, 1, 2, 255]);
  expect(strongEtag(body)).toBe(`"${createHash('sha1').update(body).digest('base64url')}"`);
  expect(strongEtag(new Uint8Array())).toBe('"2jmj7l5rSw0yVb_vlWAYkK_YBwk"');
  expect(strongEtag(body)).not.toMatch(/^W\//);
  expect(strongEtag(new Uint8Array([1]))).not.toBe(strongEtag(new Uint8Array([2])));
});
