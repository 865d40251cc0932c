/**
 * Recorded protocol bytes for the parser tests. Each says where it came from; where a wrapper had to be
 * built by hand it says so, and the inner bytes are still the recorded ones.
 */

/** MS-NLMP 4.2.2.3 (NTLM v1 example) CHALLENGE_MESSAGE: TargetName "Server", no TargetInfo, VERSION 6.0.6000. */
export const NLMP_SPEC_V1_CHALLENGE = Buffer.from(
  '4e544c4d53535000020000000c000c003800000033820' + '2e20123456789abcdef0000000000000000' +
  '0000000000000000060070170000000f530065007200760065007200',
  'hex',
);

/**
 * MS-NLMP 4.2.4.3 (NTLM v2 example) CHALLENGE_MESSAGE, as reproduced byte for byte in Chromium's
 * net/ntlm/ntlm_test_data.h (kChallengeMsgFromSpecV2): TargetInfo = NbDomainName "Domain", NbComputerName "Server".
 */
export const NLMP_SPEC_V2_CHALLENGE = Buffer.from(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef0000000000000000240024004400000006007017000000' +
  '0f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000',
  'hex',
);

/**
 * CHALLENGE from a real Windows Server 2022 domain member (VERSION 10.0.20348), recorded in the public
 * WinRm.NET project's NtlmTests ("CanParseChallenge"); host OP-AGENT-2 in domain dan.vmcloud.
 */
export const WINDOWS_2022_CHALLENGE = Buffer.from(
  'TlRMTVNTUAACAAAAFAAUADgAAAA1gonip8FcXZczWnwAAAAAAAAAAKQApABMAAAACgB8TwAAAA9EAEEATgBWAE0AQwBMAE8AVQBEAAIAFABE' +
  'AEEATgBWAE0AQwBMAE8AVQBEAAEAFABPAFAALQBBAEcARQBOAFQALQAyAAQAFgBkAGEAbgAuAHYAbQBjAGwAbwB1AGQAAwAsAG8AcAAtAGEA' +
  'ZwBlAG4AdAAtADIALgBkAGEAbgAuAHYAbQBjAGwAbwB1AGQABQAWAGQAYQBuAC4AdgBtAGMAbABvAHUAZAAHAAgABCSj7tHQ2wEAAAAA',
  'base64',
);

/** CHALLENGE from a real Windows Server 2008 R2 Vagrant box (VERSION 6.1.7601), recorded in rubyntlm's Type2 spec. */
export const WINDOWS_2008R2_CHALLENGE = Buffer.from(
  'TlRMTVNTUAACAAAAHAAcADgAAAAFgooCJ+UA1//+ZM4AAAAAAAAAAJAAkABUAAAABgGxHQAAAA9WAEEARwBSAEEATgBUAC0AMgAwADAAOABS' +
  'ADIAAgAcAFYAQQBHAFIAQQBOAFQALQAyADAAMAA4AFIAMgABABwAVgBBAEcAUgBBAE4AVAAtADIAMAAwADgAUgAyAAQAHAB2AGEAZwByAGEA' +
  'bgB0AC0AMgAwADAAOABSADIAAwAcAHYAYQBnAHIAYQBuAHQALQAyADAAMAA4AFIAMgAHAAgAZBMdFHQnzgEAAAAA',
  'base64',
);

/**
 * SMB2 header of a NEGOTIATE response, built by hand from MS-SMB2 2.2.1.2 (flags SERVER_TO_REDIR,
 * status 0, one credit granted): the recorded bodies below were published without their header.
 */
export function smb2ResponseHeader(command: number, status: number, messageId: number, sessionId = 0n): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(0x424d53fe, 0);
  h.writeUInt16LE(64, 4);
  h.writeUInt16LE(1, 6);
  h.writeUInt32LE(status >>> 0, 8);
  h.writeUInt16LE(command, 12);
  h.writeUInt16LE(1, 14);
  h.writeUInt32LE(1, 16);
  h.writeBigUInt64LE(BigInt(messageId), 24);
  h.writeUInt32LE(0xfeff, 32);
  h.writeBigUInt64LE(sessionId, 40);
  return h;
}

/**
 * NEGOTIATE response body (dialect 3.0.2) from jborean93/smbprotocol tests/test_messages.py
 * (TestSMB2NegotiateResponse.test_parse_message), captured from a Windows server: the security blob is
 * Windows' SPNEGO NegTokenInit with the "not_defined_in_RFC4178@please_ignore" hint. The test suite
 * replaced the server GUID with 0x11 bytes. System time 2017-11-16T10:06:17.378Z.
 */
export const SMB2_NEGOTIATE_302_BODY = Buffer.from(
  '41000100020300001111111111111111111111111111111167000000000080000000800000008000' +
  '1485128bc25ed30104884d21c25ed301800078000000000060760606' +
  '2b0601050502a06c306aa03c303a060a2b06010401823702021e06092a864882f71201020206092a864886f712010202060a2a86' +
  '4886f71201020203060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f524643343137384070' +
  '6c656173655f69676e6f7265',
  'hex',
);

/**
 * NEGOTIATE response body (dialect 3.1.1, one PREAUTH_INTEGRITY context) from the same smbprotocol test
 * (test_parse_message_3_1_1); salt and GUID are the suite's 0x22/0x11 fill, the rest as recorded.
 */
export const SMB2_NEGOTIATE_311_BODY = Buffer.from(
  '41000100110301001111111111111111111111111111111127000000000080000000800000008000' +
  '24c50d61055ed3017fbbcab6045ed30180007800f80000006076060' +
  '62b0601050502a06c306aa03c303a060a2b06010401823702021e06092a864882f71201020206092a864886f712010202060a2a86' +
  '4886f71201020203060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f524643343137384070' +
  '6c656173655f69676e6f7265' +
  '0100260000000000010020000100' + '22'.repeat(32),
  'hex',
);

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

/**
 * SESSION_SETUP response (STATUS_MORE_PROCESSING_REQUIRED) wrapping an NTLM CHALLENGE in a SPNEGO
 * NegTokenResp (accept-incomplete, supportedMech NTLMSSP) exactly as Windows lays it out; the wrapper is
 * hand-built from MS-SMB2 2.2.6 and RFC 4178, the NTLM bytes inside are recorded.
 */
export function smb2SessionSetupResponse(ntlm: Buffer): Buffer {
  const ntlmOid = Buffer.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]);
  const negState = der(0xa0, Buffer.from([0x0a, 0x01, 0x01]));
  const blob = der(0xa1, der(0x30, Buffer.concat([negState, der(0xa1, ntlmOid), der(0xa2, der(0x04, ntlm))])));
  const body = Buffer.alloc(8);
  body.writeUInt16LE(9, 0);
  body.writeUInt16LE(72, 4);
  body.writeUInt16LE(blob.length, 6);
  return Buffer.concat([smb2ResponseHeader(1, 0xc0000016, 1, 0x0000100000000001n), body, blob]);
}

/** Direct-TCP framing for replay by the fake server. */
export function smbFrame(msg: Buffer): Buffer {
  const f = Buffer.alloc(4);
  f.writeUInt32BE(msg.length, 0);
  return Buffer.concat([f, msg]);
}
