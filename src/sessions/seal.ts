import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { isLogonMethod } from '../pvwa/paths.js';
import type { LogonRequest } from '../pvwa/types.js';

/**
 * Sealing: small JSON values encrypted and authenticated (AES-256-GCM, node:crypto) under a key
 * derived from SESSION_SECRET, as cookie- and URL-safe text (base64url). What is sealed is the
 * session of a cookie (the PVWA token and its issue time) and the state of a logon challenge. Any
 * replica with the same secret opens what another sealed: nothing is kept on the gateway.
 *
 * Sealed text: version (1 byte) | IV (12 random bytes) | ciphertext | GCM tag (16 bytes). The
 * purpose ("session", "challenge") is the additional authenticated data, so a value sealed for
 * one purpose never opens as the other. Opening fails (null) on any change, on another key, or on
 * a value that is not what the purpose expects: the caller cannot tell these apart, nor needs to.
 */

export const MIN_SECRET_BYTES = 32;
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longer sealed text than any the gateway makes is not even decoded. */
const MAX_SEALED_LENGTH = 8192;
const SEALED_TEXT = /^[A-Za-z0-9_-]+$/;

/** SESSION_SECRET's bytes. Printed, logged or serialised, it shows `[redacted]`. */
export class SessionSecret {
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    if (bytes.length < MIN_SECRET_BYTES) throw new RangeError(`a session secret has at least ${MIN_SECRET_BYTES} bytes`);
    this.#bytes = Buffer.from(bytes);
  }

  /** A secret made for this process only (development without SESSION_SECRET). */
  static random(): SessionSecret {
    return new SessionSecret(randomBytes(MIN_SECRET_BYTES));
  }

  /** SESSION_SECRET's text: hex when it is only hex digits, else base64 (or base64url); null when it is neither or decodes to fewer than 32 bytes. */
  static parse(text: string): SessionSecret | null {
    const value = text.trim();
    let bytes: Buffer;
    if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) bytes = Buffer.from(value, 'hex');
    else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) bytes = Buffer.from(value, 'base64');
    else return null;
    return bytes.length >= MIN_SECRET_BYTES ? new SessionSecret(bytes) : null;
  }

  /** The AES-256 key for sealing, derived with HKDF-SHA256 (any secret length gives one key). */
  deriveKey(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#bytes, Buffer.alloc(0), 'pta-gateway seal v1', 32));
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'SessionSecret [redacted]';
  }
}

export type SealPurpose = 'session' | 'challenge';

export class Sealer {
  readonly #key: Buffer;

  constructor(secret: SessionSecret) {
    this.#key = secret.deriveKey();
  }

  seal(purpose: SealPurpose, value: object): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value `seal(purpose, ...)` sealed, or null when `sealed` is not such a value of this key. */
  open(purpose: SealPurpose, sealed: string): unknown {
    if (sealed.length > MAX_SEALED_LENGTH || !SEALED_TEXT.test(sealed)) return null;
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 1 + IV_BYTES + 1 + TAG_BYTES || bytes[0] !== VERSION) return null;
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }
}

/** A session cookie's content: the PVWA token and when the gateway issued it (epoch ms). */
interface SealedSession {
  t: string;
  iat: number;
}

export function sealSession(sealer: Sealer, token: string, issuedAt: number): string {
  return sealer.seal('session', { t: token, iat: issuedAt } satisfies SealedSession);
}

/** The token and issue time (epoch ms) of a sealed session no older than `maxAgeMs` at `now`; null otherwise. */
export function openSession(sealer: Sealer, sealed: string, now: number, maxAgeMs: number): { token: string; issuedAt: number } | null {
  const value = sealer.open('session', sealed) as Partial<SealedSession> | null;
  if (typeof value?.t !== 'string' || value.t === '' || typeof value.iat !== 'number') return null;
  return now - value.iat <= maxAgeMs ? { token: value.t, issuedAt: value.iat } : null;
}

/** How long a logon challenge can be answered. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** What answering a logon challenge needs. */
export interface ChallengeState {
  /** This challenge's nonce: the replica that issued it knows whether it may still be answered. */
  nonce: string;
  username: string;
  method: LogonRequest['method'];
  /** The PVWA's cookies from the challenge's answer, as `name=value` pairs. */
  cookies: string[];
  /** Epoch ms after which the challenge cannot be answered. */
  expiresAt: number;
}

export function sealChallenge(sealer: Sealer, state: ChallengeState): string {
  return sealer.seal('challenge', { n: state.nonce, u: state.username, m: state.method, c: state.cookies, exp: state.expiresAt });
}

/** The state of a sealed challenge not expired at `now`; null otherwise. */
export function openChallenge(sealer: Sealer, sealed: string, now: number): ChallengeState | null {
  const value = sealer.open('challenge', sealed) as { n?: unknown; u?: unknown; m?: unknown; c?: unknown; exp?: unknown } | null;
  if (value === null || typeof value.n !== 'string' || typeof value.u !== 'string' || !isLogonMethod(value.m)) return null;
  if (!Array.isArray(value.c) || !value.c.every((pair) => typeof pair === 'string') || typeof value.exp !== 'number') return null;
  if (now > value.exp) return null;
  return { nonce: value.n, username: value.u, method: value.m as ChallengeState['method'], cookies: value.c as string[], expiresAt: value.exp };
}
