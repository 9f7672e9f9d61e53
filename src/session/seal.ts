import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/** Encrypts tokens under a key kept in the OS keychain, so token size never meets keychain limits. */
export interface Sealer {
  seal(aad: string, plaintext: string): Sealed;
  /** The plaintext, or undefined when the data was sealed with another key, for another name, or tampered with. */
  open(aad: string, sealed: Partial<Sealed>): string | undefined;
}

/** AES-256-GCM with a random 96-bit IV per file; the session key is the additional data, so files cannot be swapped. */
export const aesGcmSealer = (key: Buffer): Sealer => ({
  seal(aad, plaintext) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  },
  open(aad, sealed) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv ?? '', 'base64'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(sealed.tag ?? '', 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data ?? '', 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  },
});
