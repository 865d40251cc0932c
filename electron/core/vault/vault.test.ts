import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/contract';
import { openDatabase } from '../db/open';
import { testKeyPair } from '../transports/testing/test-keys';
import { open, seal, VaultDecryptError, type Sealed } from './crypto';
import { KeyFilePermissionError, stagePassphrase, unlockWithPassphrase } from './key-store';
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
    const plain = testKeyPair();
    expect(vault.save({ name: 'k', username: 'admin', privateKey: plain.private }).keyType).toBe('ssh-ed25519');
    const locked = testKeyPair({ passphrase: 'kp' });
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
  }, 60_000);

  it('re-keys when it moves to a passphrase: the old key file opens no secret afterwards', async () => {
    const { dir, db, vault } = setup();
    const ids = [
      vault.save({ name: 'a', username: 'admin', password: PASSWORD, sudoPassword: 'sudo-a' }).id,
      vault.save({ name: 'b', username: 'root', privateKey: testKeyPair().private }).id,
      vault.save({ name: 'c', username: 'ops', password: 'pc' }).id,
    ];
    // What an attacker might keep: a backup of the key file taken before the switch.
    const oldKey = Buffer.from(fs.readFileSync(path.join(dir, 'vault.key'), 'utf8').trim(), 'base64');
    const before = ids.map((id) => vault.secrets(id));
    await vault.setPassphrase('a long office passphrase');
    expect(fs.existsSync(path.join(dir, 'vault.key'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('vault'))).toEqual(['vault-passphrase.json']);
    const rows = db.prepare('SELECT id, sealed FROM credentials ORDER BY id').all() as { id: number; sealed: string }[];
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(() => open(oldKey, JSON.parse(r.sealed) as Sealed, `patchwell-credential:${r.id}`)).toThrow(VaultDecryptError);
    }
    expect((await unlockWithPassphrase(dir, 'a long office passphrase')).equals(oldKey)).toBe(false);
    // Nothing was lost on the way: the same secrets, in this run and after a restart.
    expect(ids.map((id) => vault.secrets(id))).toEqual(before);
    const restarted = new Vault(db, dir);
    await restarted.unlock('a long office passphrase');
    expect(ids.map((id) => restarted.secrets(id))).toEqual(before);
  }, 60_000);

  it('keeps the secrets whichever side of the re-seal a stop falls on', async () => {
    const passphrase = 'a long office passphrase';
    const newKey = Buffer.alloc(32, 7);
    // Stopped before the re-seal committed: the key file still opens everything; the staged key is dropped.
    const early = setup();
    const a = early.vault.save({ name: 'a', username: 'admin', password: PASSWORD });
    await stagePassphrase(early.dir, newKey, passphrase);
    const afterEarly = new Vault(early.db, early.dir);
    expect(afterEarly.status()).toEqual({ locked: false, protection: 'key-file' });
    expect(afterEarly.secrets(a.id).password).toBe(PASSWORD);
    expect(fs.existsSync(path.join(early.dir, 'vault-passphrase.json.staged'))).toBe(false);

    // Stopped after the re-seal committed, before the staged file was made live: the staged key is kept.
    const late = setup();
    const b = late.vault.save({ name: 'b', username: 'admin', password: PASSWORD });
    const oldKey = Buffer.from(fs.readFileSync(path.join(late.dir, 'vault.key'), 'utf8').trim(), 'base64');
    await stagePassphrase(late.dir, newKey, passphrase);
    const row = late.db.prepare('SELECT sealed FROM credentials WHERE id = ?').get(b.id) as { sealed: string };
    const plain = open(oldKey, JSON.parse(row.sealed) as Sealed, `patchwell-credential:${b.id}`);
    late.db.prepare('UPDATE credentials SET sealed = ? WHERE id = ?').run(JSON.stringify(seal(newKey, plain, `patchwell-credential:${b.id}`)), b.id);
    const afterLate = new Vault(late.db, late.dir);
    expect(afterLate.status()).toEqual({ locked: true, protection: 'passphrase' });
    await afterLate.unlock(passphrase);
    expect(afterLate.secrets(b.id).password).toBe(PASSWORD);
    expect(fs.existsSync(path.join(late.dir, 'vault.key'))).toBe(false);
  }, 60_000);

  it('refuses a key file that other users can read', () => {
    const { dir, db } = setup();
    fs.chmodSync(path.join(dir, 'vault.key'), 0o644);
    expect(() => new Vault(db, dir)).toThrow(KeyFilePermissionError);
  });

  it('keeps app secrets (the SMTP password) sealed and bound to their name, apart from credentials, and re-keys them', async () => {
    const { dir, db, vault } = setup();
    vault.putAppSecret('smtp-password', 'smtp-secret-77');
    expect(vault.hasAppSecret('smtp-password')).toBe(true);
    expect(vault.appSecret('smtp-password')).toBe('smtp-secret-77');
    expect(vault.list()).toEqual([]);
    const sealed = (db.prepare("SELECT sealed FROM app_secrets WHERE name = 'smtp-password'").get() as { sealed: string }).sealed;
    expect(sealed).not.toContain('smtp-secret-77');
    db.prepare("INSERT INTO app_secrets (name, sealed, updated_at) VALUES ('other', ?, 0)").run(sealed);
    expect(() => vault.appSecret('other')).toThrow(VaultDecryptError);
    vault.putAppSecret('other', null);
    const oldKey = Buffer.from(fs.readFileSync(path.join(dir, 'vault.key'), 'utf8').trim(), 'base64');
    await vault.setPassphrase('a long office passphrase');
    const after = (db.prepare("SELECT sealed FROM app_secrets WHERE name = 'smtp-password'").get() as { sealed: string }).sealed;
    expect(() => open(oldKey, JSON.parse(after) as Sealed, 'patchwell-secret:smtp-password')).toThrow(VaultDecryptError);
    const restarted = new Vault(db, dir);
    expect(restarted.hasAppSecret('smtp-password')).toBe(true);
    expect(() => restarted.appSecret('smtp-password')).toThrow(/locked/);
    await restarted.unlock('a long office passphrase');
    expect(restarted.appSecret('smtp-password')).toBe('smtp-secret-77');
  }, 60_000);
});
