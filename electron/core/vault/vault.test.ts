import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils as ssh2Utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/contract';
import { openDatabase } from '../db/open';
import { KeyFilePermissionError } from './key-store';
import { Vault } from './vault';

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-vault-'));
  const db = openDatabase(path.join(dir, 'p.db'));
  return { dir, db, vault: new Vault(db, dir) };
}

const PASSWORD = 'correct horse battery staple';

describe('Vault', () => {
  it('stores secrets sealed: the database file holds no secret in clear', () => {
    const { dir, db, vault } = setup();
    const c = vault.save({ name: 'Office admin', username: 'admin', password: PASSWORD, sudoPassword: 'sudo-secret-42' });
    expect(c).toMatchObject({ hasPassword: true, hasSudoPassword: true, hasKey: false });
    expect(JSON.stringify(c)).not.toContain(PASSWORD);
    expect(JSON.stringify(vault.list())).not.toContain('sudo-secret-42');
    expect(vault.secrets(c.id)).toEqual({ username: 'admin', password: PASSWORD, sudoPassword: 'sudo-secret-42' });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = fs.readFileSync(path.join(dir, 'p.db'));
    expect(raw.includes(Buffer.from(PASSWORD))).toBe(false);
    expect(raw.includes(Buffer.from('sudo-secret-42'))).toBe(false);
    expect(fs.statSync(path.join(dir, 'vault.key')).mode & 0o777).toBe(0o600);
  });

  it('binds a sealed secret to its row: swapping ciphertexts between rows fails to open', () => {
    const { db, vault } = setup();
    const a = vault.save({ name: 'a', username: 'a', password: 'pa' });
    const b = vault.save({ name: 'b', username: 'b', password: 'pb' });
    const sealedA = (db.prepare('SELECT sealed FROM credentials WHERE id = ?').get(a.id) as { sealed: string }).sealed;
    db.prepare('UPDATE credentials SET sealed = ? WHERE id = ?').run(sealedA, b.id);
    expect(() => vault.secrets(b.id)).toThrow(/could not be decrypted/);
  });

  it('keeps stored secrets on update unless told to clear them', () => {
    const { vault } = setup();
    const c = vault.save({ name: 'x', username: 'admin', password: 'one', sudoPassword: 's' });
    vault.save({ name: 'x', username: 'root', clearSudoPassword: true }, c.id);
    expect(vault.secrets(c.id)).toEqual({ username: 'root', password: 'one' });
    expect(() => vault.save({ name: 'x', username: 'root', clearPassword: true }, c.id)).toThrow(AppError);
  });

  it('checks private keys and their passphrases when saved', () => {
    const { vault } = setup();
    const plain = ssh2Utils.generateKeyPairSync('ed25519');
    expect(vault.save({ name: 'k', username: 'admin', privateKey: plain.private }).keyType).toBe('ssh-ed25519');
    const locked = ssh2Utils.generateKeyPairSync('ed25519', { passphrase: 'kp', cipher: 'aes256-ctr', rounds: 16 });
    expect(() => vault.save({ name: 'k2', username: 'admin', privateKey: locked.private })).toThrow(/encrypted: give its passphrase/);
    expect(() => vault.save({ name: 'k2', username: 'admin', privateKey: locked.private, passphrase: 'nope' })).toThrow(/does not open/);
    expect(vault.save({ name: 'k2', username: 'admin', privateKey: locked.private, passphrase: 'kp' }).hasKey).toBe(true);
    expect(() => vault.save({ name: 'k3', username: 'admin', privateKey: plain.public })).toThrow(AppError);
    expect(() => vault.save({ name: 'k3', username: 'admin', privateKey: 'garbage' })).toThrow(/Not a private key/);
  });

  it('resolves a machine’s credential: its own, then by tag, then the default', () => {
    const { vault } = setup();
    const byTag = vault.save({ name: 'servers', username: 'ops', password: 'p', scopeTags: ['servers'] });
    const all = vault.save({ name: 'default', username: 'admin', password: 'p', appliesToAll: true });
    const own = vault.save({ name: 'own', username: 'me', password: 'p' });
    expect(vault.resolveFor({ credentialId: own.id, tags: ['servers'] })?.id).toBe(own.id);
    expect(vault.resolveFor({ credentialId: null, tags: ['servers'] })?.id).toBe(byTag.id);
    expect(vault.resolveFor({ credentialId: null, tags: ['desks'] })?.id).toBe(all.id);
  });

  it('moves to a passphrase: locked after restart until unlocked, wrong passphrase refused', async () => {
    const { dir, db, vault } = setup();
    const c = vault.save({ name: 'x', username: 'admin', password: PASSWORD });
    await vault.setPassphrase('a long office passphrase');
    expect(fs.existsSync(path.join(dir, 'vault.key'))).toBe(false);
    const restarted = new Vault(db, dir);
    expect(restarted.status()).toEqual({ locked: true, protection: 'passphrase' });
    expect(() => restarted.secrets(c.id)).toThrow(/locked/);
    // The same refusal before any work that needs the vault starts.
    expect(() => restarted.assertUnlocked()).toThrow(expect.objectContaining({ code: 'unavailable', message: expect.stringMatching(/^The vault is locked/) }));
    await expect(restarted.unlock('wrong')).rejects.toThrow('Wrong passphrase');
    await restarted.unlock('a long office passphrase');
    expect(() => restarted.assertUnlocked()).not.toThrow();
    expect(restarted.secrets(c.id).password).toBe(PASSWORD);
  }, 20_000);

  it('refuses a key file that other users can read', () => {
    const { dir, db } = setup();
    fs.chmodSync(path.join(dir, 'vault.key'), 0o644);
    expect(() => new Vault(db, dir)).toThrow(KeyFilePermissionError);
  });
});
