/**
 * The WS-Man reply parser on replies a real Windows host sent (recorded by pypsrp's test suite; see
 * fixtures/SOURCES.md): Create → ShellId, Command → CommandId, Receive → streams, exit code and state, the
 * Signal/Delete acknowledgements, a UTF-8 stream split over two elements, and a real fault.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandIdOf, parseReply, receiveOf, shellIdOf, WsmanFault } from './wsman';

interface Exchange { action: string; response: string; httpStatus?: number }
const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'pypsrp-winrs-recorded.json'), 'utf8')) as {
  exchanges: Record<string, Exchange[]>;
};
const reply = (name: string, action: string): string => {
  const e = recorded.exchanges[name]?.find((x) => x.action === action);
  if (!e) throw new Error(`no recorded ${action} in ${name}`);
  return e.response;
};

describe('replies recorded from a real Windows host', () => {
  it('cmd /c echo hi: shell, command, output, exit code 0, then signal and delete', () => {
    expect(shellIdOf(parseReply(reply('test_winrs_standard', 'Create')))).toBe('4283CBDC-3706-415B-88BD-B385F3E51A53');
    const commandId = commandIdOf(parseReply(reply('test_winrs_standard', 'Command')));
    expect(commandId).toBe('CF84C20A-0A35-43FA-AF78-0B4711DA5F30');
    const r = receiveOf(parseReply(reply('test_winrs_standard', 'Receive')), commandId);
    expect(r).toEqual({ stdout: Buffer.from('hi\r\n'), stderr: Buffer.alloc(0), done: true, exitCode: 0 });
    expect(() => parseReply(reply('test_winrs_standard', 'Signal'))).not.toThrow();
    expect(() => parseReply(reply('test_winrs_standard', 'Delete'))).not.toThrow();
  });

  it('stdout and stderr apart, and a non-zero exit code', () => {
    const commandId = commandIdOf(parseReply(reply('test_winrs_stderr_rc', 'Command')));
    const r = receiveOf(parseReply(reply('test_winrs_stderr_rc', 'Receive')), commandId);
    expect(r.stdout.toString()).toBe('out \r\n');
    expect(r.stderr.toString()).toBe('err \r\n');
    expect(r).toMatchObject({ done: true, exitCode: 1 });
  });

  it('joins a UTF-8 stream the host split over several elements, and ignores another command\'s streams', () => {
    const commandId = commandIdOf(parseReply(reply('test_winrs_unicode', 'Command')));
    const env = parseReply(reply('test_winrs_unicode', 'Receive'));
    expect(receiveOf(env, commandId).stdout.toString('utf8')).toBe('こんにちは\n');
    expect(receiveOf(env, commandId.toLowerCase()).stdout.toString('utf8')).toBe('こんにちは\n');
    expect(receiveOf(env, '00000000-0000-0000-0000-000000000000').stdout.length).toBe(0);
  });

  it('types the fault a host sends for an unknown command id (HTTP 500, InvalidSelectors, WSMan code 2150858843)', () => {
    const e = recorded.exchanges.test_winrs_bad_cmd_id!.find((x) => x.action === 'Receive')!;
    expect(e.httpStatus).toBe(500);
    let fault: unknown;
    try {
      parseReply(e.response);
    } catch (err) {
      fault = err;
    }
    expect(fault).toBeInstanceOf(WsmanFault);
    const f = fault as WsmanFault;
    expect(f).toMatchObject({ code: 's:Sender', subcode: 'w:InvalidSelectors', wsmanCode: '2150858843' });
    expect(f.timedOut).toBe(false);
    expect(f.message).toMatch(/invalid selectors for the resource/);
  });
});

const faults = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'recorded-faults.json'), 'utf8')) as {
  replies: Record<string, string>;
};
function faultOf(xml: string): WsmanFault {
  try {
    parseReply(xml);
  } catch (e) {
    if (e instanceof WsmanFault) return e;
    throw e;
  }
  throw new Error('the reply parsed without a fault');
}

describe('faults recorded by other WinRM clients', () => {
  it.each(['soap_fault_v1', 'soap_fault_v2'])('%s: the message carries the provider\'s nested fault, not only the reason', (name) => {
    const f = faultOf(faults.replies[name]!);
    expect(f).toMatchObject({ code: 's:Sender', subcode: 'n:CannotProcessFilter', wsmanCode: '2150858778' });
    expect(f.details).toEqual(['The specified class does not exist in the given namespace.']);
    expect(f.message).toBe('WinRM fault n:CannotProcessFilter: The data source could not process the filter. The filter might be missing or it might be ' +
      'invalid. Change the filter and try the request again. Detail: The specified class does not exist in the given namespace. (code 2150858778)');
  });

  it('QuotaLimit: the code comes from MSFT_WmiError\'s p:error_Code, and its message is kept', () => {
    const f = faultOf(faults.replies.wmi_error_v2!);
    expect(f).toMatchObject({ subcode: 'w:QuotaLimit', wsmanCode: '2150859173' });
    expect(f.message).toContain('This user is allowed a maximum number of 30 concurrent shells');
    expect(f.message).toMatch(/\(code 2150859173\)$/);
    expect(f.timedOut).toBe(false);
  });

  it('an OperationTimeout on Receive is known by its subcode and by its WSManFault code alone', () => {
    const recorded = faults.replies.test_winrs_operation_timeout!;
    expect(faultOf(recorded)).toMatchObject({ subcode: 'w:TimedOut', wsmanCode: '2150858793', timedOut: true });
    // The same reply without the subcode: pywinrm, for one, decides on the code alone.
    const codeOnly = recorded.replace(/<s:Subcode>.*?<\/s:Subcode>/, '');
    expect(codeOnly).not.toContain('TimedOut</s:Value>');
    expect(faultOf(codeOnly)).toMatchObject({ subcode: '', wsmanCode: '2150858793', timedOut: true });
  });
});
