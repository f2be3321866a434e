import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'ok' | 'missing' | 'invalid' | 'expired';

/**
 * Signs media paths like a CDN does: `?Expires=<unix s>&Signature=<hex HMAC-SHA256(path \n expires)>`.
 * Every status read signs again, so a client holding an expired link gets a fresh one by reading the status.
 */
export class UrlSigner {
  private readonly secret = randomBytes(32);

  constructor(private readonly ttlSeconds: () => number) {}

  private mac(path: string, expires: string): Buffer {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest();
  }

  /** `base` without trailing slash, `path` starting with '/'. `ttlSeconds` overrides the configured lifetime. */
  sign(base: string, path: string, now: number, ttlSeconds: number = this.ttlSeconds()): string {
    // Rounded up so that a link is valid for at least the TTL.
    const expires = String(Math.ceil(now / 1000 + ttlSeconds));
    return `${base}${path}?Expires=${expires}&Signature=${this.mac(path, expires).toString('hex')}`;
  }

  verify(path: string, query: URLSearchParams, now: number): SignatureCheck {
    const expires = query.get('Expires');
    const signature = query.get('Signature');
    if (!expires || !signature) return 'missing';
    if (!/^\d+$/u.test(expires) || !/^[0-9a-f]{64}$/u.test(signature)) return 'invalid';
    const expected = this.mac(path, expires);
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'invalid';
    if (now / 1000 > Number(expires)) return 'expired';
    return 'ok';
  }
}
