import { hash } from 'node:crypto';

/**
 * A strong entity tag for `body` (RFC 9110 section 8.8.3): the base64url SHA-1 of its bytes, quoted,
 * like `"2jmj7l5rSw0yVb_vlWAYkK_YBwk"`. Identical bytes always give the same tag, so every instance
 * of a fleet agrees without coordination; SHA-1 is for identity here, not security. The one-shot
 * `crypto.hash` (Node 20.12+) builds no Hash object: it runs on every stored miss.
 */
export function strongEtag(body: Uint8Array): string {
  return `"${hash('sha1', body, 'base64url')}"`;
}
