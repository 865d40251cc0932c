/**
 * NTLM message signing and sealing with extended session security and key exchange (MS-NLMP 3.4.4.2 and
 * 3.4.3): each direction has its own sign key, its own RC4 stream and its own sequence number.
 */
import crypto from 'node:crypto';
import { Rc4 } from './rc4';
import { sessionKeys } from './ntlm-crypto';

export class NtlmSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmSignatureError';
  }
}

class Direction {
  private seq = 0;
  private readonly rc4: Rc4;
  constructor(private readonly signKey: Buffer, sealKey: Buffer) {
    this.rc4 = new Rc4(sealKey);
  }

  /** Seals a message; returns the 16-byte signature and the ciphertext. */
  seal(message: Buffer): { signature: Buffer; sealed: Buffer } {
    const sealed = this.rc4.update(message);
    return { signature: this.sign(message), sealed };
  }

  unseal(signature: Buffer, sealed: Buffer): Buffer {
    const message = this.rc4.update(sealed);
    const expected = this.sign(message);
    if (signature.length !== 16 || !crypto.timingSafeEqual(signature, expected)) {
      throw new NtlmSignatureError('The message signature does not match: the message was altered or is out of sequence');
    }
    return message;
  }

  private sign(message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.seq++);
    const mac = crypto.createHmac('md5', this.signKey).update(seq).update(message).digest().subarray(0, 8);
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), this.rc4.update(mac), seq]);
  }
}

/** One authenticated NTLM context; `client` tells which side this end is. */
export class NtlmSession {
  private readonly out: Direction;
  private readonly in: Direction;

  constructor(exportedSessionKey: Buffer, client: boolean) {
    const k = sessionKeys(exportedSessionKey);
    const c2s = (): Direction => new Direction(k.clientSign, k.clientSeal);
    const s2c = (): Direction => new Direction(k.serverSign, k.serverSeal);
    this.out = client ? c2s() : s2c();
    this.in = client ? s2c() : c2s();
  }

  seal(message: Buffer): { signature: Buffer; sealed: Buffer } {
    return this.out.seal(message);
  }

  unseal(signature: Buffer, sealed: Buffer): Buffer {
    return this.in.unseal(signature, sealed);
  }
}
