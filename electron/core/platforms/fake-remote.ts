/**
 * A `Remote` that replays recorded outputs, for parser and command-sequence tests. It is not a model of a machine:
 * every exchange a test expects must be listed, and anything else fails loudly with the key it looked for.
 */
import { readFileSync } from 'node:fs';
import { splitSections } from './exec-util';
import type { ExecOptions, ExecResult, Remote } from './remote';

export type Reply = Partial<ExecResult> | ((call: FakeCall) => Partial<ExecResult>);

export interface FakeCall {
  kind: 'exec' | 'script';
  /** For exec, the argv; for script, ["script:<name>", ...args]. */
  argv: readonly string[];
  text?: string;
  options?: ExecOptions;
}

/** The key a script is found under: its "# patchwell:<name>" marker line. */
export function scriptName(text: string): string {
  return /^# patchwell:([\w-]+)$/m.exec(text)?.[1] ?? 'unnamed';
}

export class FakeRemote implements Remote {
  readonly calls: FakeCall[] = [];
  private readonly replies = new Map<string, Reply[]>();

  /** The office cache URL a test lends this machine (see Remote.proxyUrl); unset: none. */
  proxyUrl?: string;

  constructor(readonly label = 'fake-host') {}

  /** Registers a reply for an argv (or "script:<name>" as argv[0] for scripts; script args are not matched). */
  on(argv: readonly string[] | string, reply: Reply): this {
    const key = typeof argv === 'string' ? argv : argv.join('\u0000');
    const list = this.replies.get(key) ?? [];
    list.push(reply);
    this.replies.set(key, list);
    return this;
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.answer({ kind: 'exec', argv: [...argv], options }, argv.join('\u0000'));
  }

  script(text: string, args: readonly string[] = [], options?: ExecOptions): Promise<ExecResult> {
    const name = `script:${scriptName(text)}`;
    return this.answer({ kind: 'script', argv: [name, ...args], text, options }, name);
  }

  private answer(call: FakeCall, key: string): Promise<ExecResult> {
    this.calls.push(call);
    const list = this.replies.get(key);
    if (!list || list.length === 0) {
      return Promise.reject(new Error(`FakeRemote: no recorded reply for ${JSON.stringify(key.split('\u0000'))}`));
    }
    // Several replies for one key are used in order; the last one repeats.
    const reply = list.length > 1 ? list.shift() : list[0];
    const r = typeof reply === 'function' ? reply(call) : (reply ?? {});
    return Promise.resolve({ code: 0, stdout: '', stderr: '', timedOut: false, ...r });
  }
}

/**
 * Reads a recorded fixture, dropping its leading "#@" provenance lines. An XML fixture opens them with "<!--#@"
 * (and the last one ends with "-->") so the file stays well-formed XML; that line is provenance too.
 */
export function fixture(relativePath: string): string {
  const text = readFileSync(new URL(`./fixtures/${relativePath}`, import.meta.url), 'utf8');
  return text.split('\n').filter((l) => !l.startsWith('#@') && !l.startsWith('<!--#@')).join('\n');
}

/** A fixture holding several outputs, each introduced by an "@@name" line. */
export function fixtureSections(relativePath: string): Map<string, string> {
  return splitSections(fixture(relativePath));
}
