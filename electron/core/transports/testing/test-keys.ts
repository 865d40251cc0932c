/**
 * SSH key pairs for tests that are known good. ssh2's generateKeyPairSync('ed25519') returns a private key that
 * neither ssh2's parseKey nor ssh-keygen accepts about once in 150 calls (20 of 3,000 when measured), which made
 * a CI run fail about once in 30. Each key is parsed back, and must sign and verify, before a test gets it.
 */
import ssh2 from 'ssh2';

export interface TestKeyPair {
  /** OpenSSH private key text (encrypted when a passphrase was given). */
  private: string;
  /** OpenSSH public key line. */
  public: string;
}

export interface TestKeyOptions {
  passphrase?: string;
  /** Generator, for the test of this helper; ssh2's by default. */
  generate?: (passphrase?: string) => TestKeyPair;
}

const MAX_TRIES = 20;

function ssh2Generate(passphrase?: string): TestKeyPair {
  return passphrase
    // Few bcrypt rounds: the key is only a test's, and it is decrypted once more here to check it.
    ? ssh2.utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 2 })
    : ssh2.utils.generateKeyPairSync('ed25519');
}

/** True when the pair parses, and a signature made with its private half verifies with its public half. */
export function isGoodKeyPair(pair: TestKeyPair, passphrase?: string): boolean {
  const priv = ssh2.utils.parseKey(pair.private, passphrase);
  const pub = ssh2.utils.parseKey(pair.public);
  if (priv instanceof Error || pub instanceof Error) return false;
  const data = Buffer.from('patchwell test key check');
  const signature = priv.sign(data);
  return !(signature instanceof Error) && pub.verify(data, signature) === true;
}

/** An ed25519 key pair that parses and works; generated again (a bounded number of times) until it does. */
export function testKeyPair(options: TestKeyOptions = {}): TestKeyPair {
  const generate = options.generate ?? ssh2Generate;
  for (let i = 0; i < MAX_TRIES; i++) {
    const pair = generate(options.passphrase);
    if (isGoodKeyPair(pair, options.passphrase)) return pair;
  }
  throw new Error(`No usable ed25519 key pair in ${MAX_TRIES} tries`);
}

/** A host key for an ssh2 Server in a test. */
export function testHostKey(): string {
  return testKeyPair().private;
}
