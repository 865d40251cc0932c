/**
 * Credential redaction for text Patchwell writes down: job logs, audit details and reports. A health-check
 * command or URL is written by the user and may carry a password (`curl -u admin:pw`, `https://u:p@host`,
 * `--password=…`, an `Authorization:` header); what it holds must not reach a log line, the audit trail or a
 * report. Pure string work, used on both sides.
 *
 * It errs towards hiding too much: a value after a name that looks like a secret is hidden whatever it is. It
 * is not a guarantee for arbitrary text (a password passed as a bare positional argument cannot be told from
 * any other word), so the health-check field says to keep secrets in a file on the machine instead.
 */

/** What a hidden value is replaced by. */
export const REDACTED = '***';

/** Names whose value is a secret: password, passwd, pwd, pass, token, secret, api key, auth, credential(s). */
const SECRET_NAME = String.raw`[\w.-]*?(?:pass(?:word|wd|phrase)?|pwd|token|secret|api[_-]?key|apikey|auth|credentials?|private[_-]?key)[\w.-]*`;

/** A shell word: a quoted string (kept whole, spaces and all) or a run of characters up to a space or "&" (the next query parameter). */
const WORD = String.raw`(?:'[^']*'|"[^"]*"|[^\s'"&]+)`;

/** Keeps a quoted value's quotes, so the command still reads as a command. */
function hide(value: string): string {
  const q = value[0];
  return (q === "'" || q === '"') && value.endsWith(q) && value.length >= 2 ? `${q}${REDACTED}${q}` : REDACTED;
}

/** `user:secret` → `user:***` (curl -u, --user, --proxy-user); a value without a colon is a user name only. */
function hideAfterColon(value: string): string {
  const q = value[0] === "'" || value[0] === '"' ? value[0] : '';
  const inner = q && value.endsWith(q) && value.length >= 2 ? value.slice(1, -1) : value;
  const colon = inner.indexOf(':');
  if (colon < 0) return value;
  return `${q}${inner.slice(0, colon)}:${REDACTED}${q}`;
}

const RULES: readonly [RegExp, (...m: string[]) => string][] = [
  // URL userinfo: scheme://user:pass@host. Up to the last "@" before the path, as URL parsers read it, so a
  // password holding an unencoded "@" is hidden whole; a lone user part may be a token (https://TOKEN@host).
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#'"<>]*)@/gi, (_m, scheme = '', info = '') => {
    const colon = info.indexOf(':');
    return `${scheme}${colon < 0 ? REDACTED : `${info.slice(0, colon)}:${REDACTED}`}@`;
  }],
  // Headers that carry credentials, as curl -H / wget --header write them: the value to the quote or line end.
  [/\b((?:proxy-)?authorization|x-api-key|x-auth-token|api-key|private-token|cookie)(\s*:\s*)[^'"\r\n]*/gi,
    (_m, name = '', sep = '') => `${name}${sep}${REDACTED}`],
  // curl's -u/--user/-U/--proxy-user user:password, attached or not, quoted or not.
  [new RegExp(String.raw`(^|[\s;&|(])(-u|-U|--user|--proxy-user)(=|\s+|(?=[^\s-]))(${WORD})`, 'g'),
    (_m, pre = '', opt = '', sep = '', value = '') => `${pre}${opt}${sep}${hideAfterColon(value)}`],
  // name=value where the name looks like a secret: --password=…, PGPASSWORD=…, ?token=…&, api_key=….
  [new RegExp(String.raw`(^|[\s;&|(?'"])(-{0,2}${SECRET_NAME})=(${WORD})`, 'gi'),
    (_m, pre = '', name = '', value = '') => `${pre}${name}=${value.startsWith(REDACTED) ? value : hide(value)}`],
  // --password VALUE, --token VALUE: an option named like a secret followed by its value as the next word.
  [new RegExp(String.raw`(^|[\s;&|(])(--?${SECRET_NAME})(\s+)(?!-)(${WORD})`, 'gi'),
    (_m, pre = '', name = '', sep = '', value = '') => `${pre}${name}${sep}${hide(value)}`],
  // sshpass -p PASSWORD.
  [/(\bsshpass\s+-p\s*)([^\s'"]+|'[^']*'|"[^"]*")/gi, (_m, pre = '', value = '') => `${pre}${hide(value)}`],
];

/** `text` with every credential it recognises replaced by {@link REDACTED}. Applying it twice changes nothing more. */
export function redactSecrets(text: string): string {
  let out = text;
  // A replacer gets (match, ...groups, offset, input); groups that did not take part come as undefined.
  for (const [re, replace] of RULES) out = out.replace(re, (...m: unknown[]) => replace(...m.slice(0, -2).map((x) => (typeof x === 'string' ? x : ''))));
  // MySQL's attached -pPASSWORD. Any attached -p… in a text that names a mysql tool: a rule reaching back from
  // each -p to the tool's name would be quadratic on hostile input.
  if (/\bmysql/i.test(out)) out = out.replace(/(\s-p)([^\s'"]+|'[^']*'|"[^"]*")/g, (_m, pre: string, value: string) => `${pre}${hide(value)}`);
  return out;
}

/** A JSON-like value with {@link redactSecrets} applied to every string in it (keys are left alone). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
