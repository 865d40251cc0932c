import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it.each([
    ['curl -fsS -u admin:S3cret! http://127.0.0.1/health', 'curl -fsS -u admin:*** http://127.0.0.1/health'],
    ["curl -u 'admin:pass word' http://x/", "curl -u 'admin:***' http://x/"],
    ['curl -uadmin:pw http://x/', 'curl -uadmin:*** http://x/'],
    ['curl --user=admin:pw --proxy-user bob:pp http://x/', 'curl --user=admin:*** --proxy-user bob:*** http://x/'],
    ['curl https://admin:pw@intranet.example/health', 'curl https://admin:***@intranet.example/health'],
    // An unencoded "@" in the password: URL parsers split at the last one before the path.
    ['wget -qO- http://admin:p@ss@w0rd@10.0.0.5:8080/x?y=1', 'wget -qO- http://admin:***@10.0.0.5:8080/x?y=1'],
    ['HTTPS://ghp_0123456789abcdef@git.example/repo', 'HTTPS://***@git.example/repo'],
    ['check --password=hunter2 --verbose', 'check --password=*** --verbose'],
    ['check --password hunter2', 'check --password ***'],
    ['check --api-key "a b c" --token=\'t0k\'', 'check --api-key "***" --token=\'***\''],
    ['PGPASSWORD=s3 psql -h db -c "select 1"', 'PGPASSWORD=*** psql -h db -c "select 1"'],
    ['MYSQL_PWD=s3 mysql -e "select 1"', 'MYSQL_PWD=*** mysql -e "select 1"'],
    ['mysqladmin -uroot -pS3cret ping', 'mysqladmin -uroot -p*** ping'],
    ['sshpass -p hunter2 ssh x true', 'sshpass -p *** ssh x true'],
    ['https://h/health?user=a&token=abc123&x=1', 'https://h/health?user=a&token=***&x=1'],
    ["curl -H 'Authorization: Bearer eyJhbGciOi.x.y' https://h/", "curl -H 'Authorization: ***' https://h/"],
    ['curl -H "authorization:Basic YWRtaW46cHc=" https://h/', 'curl -H "authorization:***" https://h/'],
    ["curl --header 'X-API-Key: k-123' --header 'Cookie: sid=abc' https://h/", "curl --header 'X-API-Key: ***' --header 'Cookie: ***' https://h/"],
  ])('hides the secret in %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
    expect(redactSecrets(expected)).toBe(expected);
  });

  it('hides every secret in one text, across lines, whatever surrounds it', () => {
    const text = 'Health check failed (exit 22): curl -u a:one https://b:two@h/x?password=three\n' +
      'curl: (22) The requested URL returned error: 401 — Authorization: Basic four\n(--token=five);PGPASSWORD=six';
    const out = redactSecrets(text);
    for (const secret of ['one', 'two', 'three', 'four', 'five', 'six']) expect(out).not.toMatch(new RegExp(`\\b${secret}\\b`));
    expect(out).toContain('Health check failed (exit 22): curl -u a:***');
  });

  it('leaves text without credentials alone', () => {
    for (const plain of [
      'systemctl is-active nginx', 'sort -u /etc/passwd', 'ps -u root', 'curl -fsS http://127.0.0.1:8080/healthz',
      'mysql -P 3306 -e "select 1"', 'curl --user-agent pw-check http://h/', 'Health check https://h/ answered HTTP 503',
      'Snapshot taken: lvm snapshot (root is on a logical volume)',
    ]) {
      expect(redactSecrets(plain)).toBe(plain);
    }
  });

  it('stays linear on long hostile input', () => {
    const hostile = [' --'.repeat(20_000), 'http://'.repeat(20_000), ' -u '.repeat(20_000), 'mysql '.repeat(20_000), 'a:'.repeat(50_000)].join('');
    expect(redactSecrets(hostile).length).toBeGreaterThan(0);
  });
});

describe('redactDeep', () => {
  it('redacts every string of a JSON-like value, keeping its shape and other values', () => {
    const patch = { healthCheck: { kind: 'command', command: 'curl -u admin:pw http://h/' }, ring: 2, tags: ['https://u:p@h/'], ok: true, none: null };
    expect(redactDeep(patch)).toEqual({ healthCheck: { kind: 'command', command: 'curl -u admin:*** http://h/' }, ring: 2, tags: ['https://u:***@h/'], ok: true, none: null });
    expect(patch.healthCheck.command).toBe('curl -u admin:pw http://h/');
  });
});
