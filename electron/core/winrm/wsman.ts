/**
 * WS-Management shell envelopes (MS-WSMV 3.1.4.1: Create, Command, Receive, Signal, Delete) and the parsing of
 * replies. Replies are treated as hostile: no DTD or entity declarations, bounded size and nesting.
 */
import crypto from 'node:crypto';
import { parseXml, XmlLimitError, type XmlElement } from '../platforms/mini-xml';

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  w: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  rsp: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
  p: 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
};
const SHELL_URI = `${NS.rsp}/cmd`;
const ACTIONS = {
  create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  command: `${NS.rsp}/Command`,
  receive: `${NS.rsp}/Receive`,
  signal: `${NS.rsp}/Signal`,
};
export const SIGNAL_TERMINATE = `${NS.rsp}/signal/terminate`;
const DONE = `${NS.rsp}/CommandState/Done`;
const MAX_REPLY = 16 * 1024 * 1024;
const MAX_DEPTH = 64;
/** Far above what a reply within MaxEnvelopeSize (150 KB) can hold; bounds the memory a hostile one takes. */
const MAX_ELEMENTS = 100_000;

/** WS-Man's code for "no output within OperationTimeout" (0x80338029), sent with the w:TimedOut subcode. */
export const WSMAN_TIMED_OUT = '2150858793';

export class WsmanFault extends Error {
  /**
   * `details`: the texts Windows nests under s:Detail (a provider's WSManFault inside ProviderFault, or an
   * MSFT_WmiError's Message), which often say more than the reason, e.g. which class does not exist.
   */
  constructor(readonly code: string, readonly subcode: string, readonly reason: string, readonly wsmanCode?: string, readonly details: readonly string[] = []) {
    super(`WinRM fault ${subcode || code}: ${reason}${details.length ? ` Detail: ${details.join(' ')}` : ''}${wsmanCode ? ` (code ${wsmanCode})` : ''}`);
    this.name = 'WsmanFault';
  }
  /**
   * w:TimedOut on Receive just means "no output yet"; the client asks again. Known by the subcode or by the
   * WSManFault code, as other clients do (pywinrm looks only at the code).
   */
  get timedOut(): boolean {
    return /(^|:)TimedOut$/.test(this.subcode) || this.wsmanCode === WSMAN_TIMED_OUT;
  }
}

export class WsmanReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsmanReplyError';
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export interface EnvelopeOptions { url: string; timeoutSec?: number; maxEnvelopeSize?: number; shellId?: string; messageId?: string }

function envelope(action: string, body: string, o: EnvelopeOptions, extraHeader = ''): string {
  const selector = o.shellId ? `<w:SelectorSet><w:Selector Name="ShellId">${esc(o.shellId)}</w:Selector></w:SelectorSet>` : '';
  return `<s:Envelope xmlns:s="${NS.s}" xmlns:a="${NS.a}" xmlns:w="${NS.w}" xmlns:rsp="${NS.rsp}" xmlns:p="${NS.p}"><s:Header>` +
    `<a:To>${esc(o.url)}</a:To><a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:Action s:mustUnderstand="true">${action}</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">${o.maxEnvelopeSize ?? 153600}</w:MaxEnvelopeSize>` +
    `<a:MessageID>uuid:${o.messageId ?? crypto.randomUUID()}</a:MessageID><w:Locale xml:lang="en-US" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>PT${o.timeoutSec ?? 20}S</w:OperationTimeout><w:ResourceURI s:mustUnderstand="true">${SHELL_URI}</w:ResourceURI>` +
    `${selector}${extraHeader}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

export const createShellEnvelope = (o: EnvelopeOptions): string => envelope(ACTIONS.create,
  '<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>', o,
  '<w:OptionSet><w:Option Name="WINRS_NOPROFILE">TRUE</w:Option><w:Option Name="WINRS_CODEPAGE">65001</w:Option></w:OptionSet>');

/** Arguments are XML-escaped data; quoting for the Windows command line is the caller's (see powershell.ts). */
export function commandEnvelope(o: EnvelopeOptions, program: string, args: readonly string[]): string {
  if ([program, ...args].some((a) => /[\0\r\n]/.test(a))) throw new Error('A WinRM command argument contains NUL or a line break');
  return envelope(ACTIONS.command, `<rsp:CommandLine><rsp:Command>${esc(program)}</rsp:Command>${args.map((a) => `<rsp:Arguments>${esc(a)}</rsp:Arguments>`).join('')}</rsp:CommandLine>`, o,
    '<w:OptionSet><w:Option Name="WINRS_CONSOLEMODE_STDIN">TRUE</w:Option><w:Option Name="WINRS_SKIP_CMD_SHELL">FALSE</w:Option></w:OptionSet>');
}

export const sendEnvelope = (o: EnvelopeOptions, commandId: string, data: Buffer, end: boolean): string => envelope(`${NS.rsp}/Send`,
  `<rsp:Send><rsp:Stream Name="stdin" CommandId="${esc(commandId)}"${end ? ' End="true"' : ''}>${data.toString('base64')}</rsp:Stream></rsp:Send>`, o);
export const receiveEnvelope = (o: EnvelopeOptions, commandId: string): string => envelope(ACTIONS.receive,
  `<rsp:Receive><rsp:DesiredStream CommandId="${esc(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`, o);
export const signalEnvelope = (o: EnvelopeOptions, commandId: string, code = SIGNAL_TERMINATE): string => envelope(ACTIONS.signal,
  `<rsp:Signal CommandId="${esc(commandId)}"><rsp:Code>${code}</rsp:Code></rsp:Signal>`, o);
export const deleteShellEnvelope = (o: EnvelopeOptions): string => envelope(ACTIONS.delete, '', o);

const local = (name: string): string => name.slice(name.indexOf(':') + 1);
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
function find(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) {
    if (local(c.name) === name) return c;
    const d = find(c, name);
    if (d) return d;
  }
  return undefined;
}
function findAll(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (local(c.name) === name) out.push(c);
    findAll(c, name, out);
  }
  return out;
}

/** Parses a reply; throws WsmanFault for a SOAP fault and WsmanReplyError for anything malformed or hostile. */
export function parseReply(xml: string): XmlElement {
  if (xml.length > MAX_REPLY) throw new WsmanReplyError(`The WinRM reply is ${xml.length} characters, over the ${MAX_REPLY} limit`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WsmanReplyError('The WinRM reply declares a DTD or entities; refused');
  let root: XmlElement;
  try {
    root = parseXml(xml, { maxDepth: MAX_DEPTH, maxElements: MAX_ELEMENTS });
  } catch (e) {
    if (e instanceof XmlLimitError) {
      throw new WsmanReplyError(e.limit === 'depth' ? `The WinRM reply nests deeper than ${MAX_DEPTH} elements; refused` : `The WinRM reply holds more than ${MAX_ELEMENTS} elements; refused`);
    }
    throw new WsmanReplyError(`The WinRM reply is not well-formed XML (${(e as Error).message}); it may be truncated`);
  }
  const env = root.children[0];
  if (!env || local(env.name) !== 'Envelope' || !find(env, 'Body')) throw new WsmanReplyError('The WinRM reply is not a SOAP envelope');
  const fault = find(env, 'Fault');
  if (fault) {
    const code = find(fault, 'Code');
    const values = code ? findAll(code, 'Value').map((v) => v.text.trim()) : [];
    const reason = oneLine(find(fault, 'Text')?.text ?? find(fault, 'Message')?.text ?? '');
    const detail = find(fault, 'Detail');
    // Windows nests the provider's own fault (WSManFault > Message > ProviderFault > WSManFault > Message), and
    // MSFT_WmiError has Message and error_WindowsErrorMessage; keep each distinct text once.
    const details = [...new Set((detail ? findAll(detail, 'Message').concat(findAll(detail, 'error_WindowsErrorMessage')) : [])
      .map((m) => oneLine(m.text)).filter((t) => t && t !== reason))];
    // A WSManFault carries its code as an attribute; an MSFT_WmiError (e.g. QuotaLimit) as p:error_Code.
    const wsmanCode = [detail && find(detail, 'WSManFault')?.attrs.Code, detail && find(detail, 'error_Code')?.text.trim()]
      .find((c): c is string => !!c && /^\d{1,10}$/.test(c));
    throw new WsmanFault(values[0] ?? '', values[1] ?? '', reason || 'no reason given', wsmanCode, details);
  }
  return env;
}

export function shellIdOf(env: XmlElement): string {
  const id = find(env, 'ShellId')?.text.trim() ?? findAll(env, 'Selector').find((s) => s.attrs.Name === 'ShellId')?.text.trim();
  if (!id) throw new WsmanReplyError('The Create reply carries no ShellId');
  return id;
}

export function commandIdOf(env: XmlElement): string {
  const id = find(env, 'CommandId')?.text.trim();
  if (!id) throw new WsmanReplyError('The Command reply carries no CommandId');
  return id;
}

export interface ReceiveChunk { stdout: Buffer; stderr: Buffer; done: boolean; exitCode: number | null }

export function receiveOf(env: XmlElement, commandId: string): ReceiveChunk {
  const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for (const s of findAll(env, 'Stream')) {
    const name = s.attrs.Name;
    if ((name !== 'stdout' && name !== 'stderr') || (s.attrs.CommandId && s.attrs.CommandId.toLowerCase() !== commandId.toLowerCase())) continue;
    // Windows sends one unbroken line; other servers and clients wrap base64 at 60 or 76 columns (RFC 2045).
    const text = s.text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new WsmanReplyError(`The ${name} stream is not base64`);
    out[name].push(Buffer.from(text, 'base64'));
  }
  const state = find(env, 'CommandState');
  const done = state?.attrs.State === DONE;
  const codeText = state ? find(state, 'ExitCode')?.text.trim() : undefined;
  if (codeText !== undefined && !/^-?\d{1,10}$/.test(codeText)) throw new WsmanReplyError(`The exit code ${JSON.stringify(codeText.slice(0, 20))} is not a number`);
  return { stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr), done, exitCode: codeText === undefined ? null : Number(codeText) };
}
