/** WS-Man envelopes and reply parsing, including faults and hostile or truncated replies. */
import { describe, expect, it } from 'vitest';
import { findAll, parseXml } from '../platforms/mini-xml';
import {
  commandEnvelope, commandIdOf, createShellEnvelope, parseReply, receiveEnvelope, receiveOf, shellIdOf, WsmanFault, WsmanReplyError,
} from './wsman';

const o = { url: 'http://127.0.0.1:5985/wsman', shellId: '11111111-2222-3333-4444-555555555555', messageId: 'aaaaaaaa-0000-0000-0000-000000000000' };
const wrap = (body: string): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;

describe('wsman envelopes', () => {
  it('escapes command arguments as data', () => {
    const xml = commandEnvelope(o, 'powershell.exe', ['-Command', '</rsp:Arguments><evil/>&x;']);
    const args = findAll(parseXml(xml), 'rsp:Arguments');
    expect(findAll(parseXml(xml), 'evil')).toHaveLength(0);
    expect(args.map((a) => a.text)).toEqual(['-Command', '</rsp:Arguments><evil/>&x;']);
    expect(() => commandEnvelope(o, 'cmd', ['a\r\nb'])).toThrow(/line break/);
  });
  it('addresses the shell by its id', () => {
    expect(receiveEnvelope(o, 'C1')).toContain('<w:Selector Name="ShellId">11111111-2222-3333-4444-555555555555</w:Selector>');
    expect(createShellEnvelope({ url: o.url })).toContain('<w:OperationTimeout>PT20S</w:OperationTimeout>');
  });
});

describe('wsman replies', () => {
  it('reads the shell id, command id and output streams', () => {
    expect(shellIdOf(parseReply(wrap('<rsp:Shell><rsp:ShellId>ABC-1</rsp:ShellId></rsp:Shell>')))).toBe('ABC-1');
    expect(commandIdOf(parseReply(wrap('<rsp:CommandResponse><rsp:CommandId>CMD-9</rsp:CommandId></rsp:CommandResponse>')))).toBe('CMD-9');
    const r = receiveOf(parseReply(wrap(
      '<rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="CMD-9">aGVsbG8g</rsp:Stream><rsp:Stream Name="stdout" CommandId="CMD-9">d29ybGQ=</rsp:Stream>' +
      '<rsp:Stream Name="stderr" CommandId="CMD-9" End="true"></rsp:Stream>' +
      '<rsp:CommandState CommandId="CMD-9" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>3</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>')), 'CMD-9');
    expect(r).toEqual({ stdout: Buffer.from('hello world'), stderr: Buffer.alloc(0), done: true, exitCode: 3 });
  });
  it('reads base64 streams wrapped over several lines (Ruby\'s Base64.encode64, MIME), as an OMI server\'s reply shape has them', () => {
    const text = 'Name  Version  ✓1234-äöü\r\n'.repeat(8);
    const b64 = Buffer.from(text).toString('base64');
    const wrapped = (width: number, eol: string): string => `${b64.match(new RegExp(`.{1,${width}}`, 'g'))!.join(eol)}${eol}`;
    for (const body of [wrapped(60, '\n'), wrapped(76, '\r\n')]) {
      expect(body.split(/\r?\n/).length).toBeGreaterThan(3);
      // The shape of WinRb's get_omi_command_output_response_not_done stub: another prefix, no CommandId.
      const xml = '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"><SOAP-ENV:Header/><SOAP-ENV:Body>' +
        `<p:ReceiveResponse xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><p:Stream Name='stdout'>${body}</p:Stream>` +
        "<p:CommandState State='http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running'/></p:ReceiveResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>";
      expect(receiveOf(parseReply(xml), 'C1')).toEqual({ stdout: Buffer.from(text), stderr: Buffer.alloc(0), done: false, exitCode: null });
    }
    expect(() => receiveOf(parseReply(wrap('<rsp:Stream Name="stdout">aGVs\nbG8*</rsp:Stream>')), 'C')).toThrow(/not base64/);
  });
  it('turns SOAP faults into WsmanFault, marking TimedOut', () => {
    const fault = (sub: string, text: string): string => wrap(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>${sub}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">${text}</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="host"/></s:Detail></s:Fault>`);
    const timedOut = (() => { try { parseReply(fault('w:TimedOut', 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.')); } catch (e) { return e; } })();
    expect(timedOut).toBeInstanceOf(WsmanFault);
    expect((timedOut as WsmanFault).timedOut).toBe(true);
    expect((timedOut as WsmanFault).wsmanCode).toBe('2150858793');
    expect(() => parseReply(fault('w:AccessDenied', 'Access is denied.'))).toThrow(/AccessDenied: Access is denied/);
  });
  it('refuses hostile and broken replies', () => {
    expect(() => parseReply('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><s:Envelope>&a;</s:Envelope>')).toThrow(/DTD or entities/);
    expect(() => parseReply(wrap('<a>'.repeat(100) + '</a>'.repeat(100)))).toThrow(/nests deeper/);
    expect(() => parseReply(wrap('<rsp:Shell><rsp:ShellId>x</rsp:ShellId></rsp:Shell>').slice(0, -30))).toThrow(WsmanReplyError);
    expect(() => parseReply('<html><body>Bad gateway</body></html>')).toThrow(/not a SOAP envelope/);
    expect(() => receiveOf(parseReply(wrap('<rsp:Stream Name="stdout">not base64!</rsp:Stream>')), 'C')).toThrow(/not base64/);
    expect(() => shellIdOf(parseReply(wrap('<rsp:Shell/>')))).toThrow(/no ShellId/);
  });
  it('refuses 10 MB of unclosed tags, comments or elements in a reply (the reader scans forward only; see mini-xml.ts)', () => {
    const fill = (unit: string): string => unit.repeat(Math.ceil(10 * 1024 * 1024 / unit.length));
    expect(() => parseReply(wrap(fill('<a')))).toThrow(/not well-formed XML .*tag <a> at offset \d+ is malformed or not closed/);
    expect(() => parseReply(wrap(fill('<!--')))).toThrow(/not well-formed XML .*A comment at offset \d+ is not closed/);
    expect(() => parseReply(wrap(fill('<a>')))).toThrow(/nests deeper than 64 elements/);
    expect(() => parseReply(wrap(fill('<a/>')))).toThrow(/more than 100000 elements/);
  });
});
