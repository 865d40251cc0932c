/** Channel binding on published vectors: certificates → tls-server-end-point hashes, the struct layout, and a token. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateBindingHash, ChannelBindingError, channelBindingsFromEndPoint, channelBindingsHash, gssChannelBindings, tlsServerEndPoint } from './channel-binding';

interface Vector { name: string; certDerBase64: string; expectedHashHex: string | null }
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'requests-kerberos-cert-hashes.json'), 'utf8')) as Vector[];

describe('tls-server-end-point (RFC 5929) on requests-kerberos certificate vectors', () => {
  it('has the ten published vectors', () => {
    expect(vectors.map((v) => v.name)).toEqual([
      'rsa_md5', 'rsa_sha1', 'rsa_sha256', 'rsa_sha384', 'rsa_sha512', 'ecdsa_sha1', 'ecdsa_sha256', 'ecdsa_sha384', 'ecdsa_sha512', 'invalid_signature_algorithm',
    ]);
  });
  for (const v of vectors) {
    it(v.name, () => {
      const der = Buffer.from(v.certDerBase64, 'base64');
      if (v.expectedHashHex === null) {
        expect(() => tlsServerEndPoint(der)).toThrow(ChannelBindingError);
        expect(() => tlsServerEndPoint(der)).toThrow(/1\.2\.840\.10045\.4\.3\.5/);
      } else {
        expect(tlsServerEndPoint(der).toString('hex')).toBe(v.expectedHashHex);
      }
    });
  }
  it('raises MD5 and SHA-1 signatures to SHA-256 and keeps stronger ones', () => {
    const hashOf = (name: string): string => certificateBindingHash(Buffer.from(vectors.find((v) => v.name === name)!.certDerBase64, 'base64'));
    expect(['rsa_md5', 'rsa_sha1', 'ecdsa_sha1', 'rsa_sha256'].map(hashOf)).toEqual(['sha256', 'sha256', 'sha256', 'sha256']);
    expect(['rsa_sha384', 'ecdsa_sha512'].map(hashOf)).toEqual(['sha384', 'sha512']);
  });
  it('refuses garbage and truncated certificates', () => {
    expect(() => certificateBindingHash(Buffer.from('not a certificate'))).toThrow(ChannelBindingError);
    const der = Buffer.from(vectors[0]!.certDerBase64, 'base64');
    expect(() => certificateBindingHash(der.subarray(0, 100))).toThrow(/truncated/);
  });
});

describe('gss_channel_bindings_struct and the MsvAvChannelBindings value', () => {
  it('lays out the struct as ntlm-auth and pyspnego publish it', () => {
    // ntlm-auth tests/test_gss_channel_bindings.py test_application_data: four zero fields, then length 3 and "abc".
    expect(gssChannelBindings(Buffer.from('abc')).toString('hex')).toBe('00000000000000000000000000000000' + '03000000' + '616263');
    // pyspnego tests/test_channel_bindings.py test_channel_bindings_none_pack: 20 zero bytes.
    expect(gssChannelBindings(Buffer.alloc(0))).toEqual(Buffer.alloc(20));
  });
  it('matches ntlm-auth test_channel_bindings_value for a published certificate hash', () => {
    const hash = Buffer.from('E3CA49271E5089CC48CE82109F1324F41DBEDDC29A777410C738F7868C4FF405', 'hex');
    expect(channelBindingsFromEndPoint(hash).toString('hex')).toBe('6ea19df066da4622051f9c4f92c6df74');
  });
  it('binds a whole certificate: requests-ntlm test_server_certificate (SHA-1 signed, so SHA-256)', () => {
    const der = Buffer.from(REQUESTS_NTLM_CERT, 'hex');
    expect(tlsServerEndPoint(der).toString('hex').toUpperCase()).toBe('AFED3DEC06DA16D94856C6EC6863B2D9D514395E7EAB446B69167C2D7E240908');
    expect(channelBindingsHash(der)).toHaveLength(16);
    expect(channelBindingsHash(der)).toEqual(crypto.createHash('md5').update(gssChannelBindings(Buffer.concat([Buffer.from('tls-server-end-point:'), tlsServerEndPoint(der)]))).digest());
  });
});

const REQUESTS_NTLM_CERT =
  '308203BC30820325A003020102020900C6C70409BC225BA0300D06092A864886F70D010105050030819B310B3009060355040613024A50310E300C06035504081305546F6B796F3110300E060355' +
  '040713074368756F2D6B753111300F060355040A13084672616E6B34444431183016060355040B130F5765624365727420537570706F7274311830160603550403130F4672616E6B344444205765' +
  '622043413123302106092A864886F70D0109011614737570706F7274406672616E6B3464642E636F6D301E170D3037313230373130323134365A170D3137313230343130323134365A30819B310B' +
  '3009060355040613024A50310E300C06035504081305546F6B796F3110300E060355040713074368756F2D6B753111300F060355040A13084672616E6B34444431183016060355040B130F576562' +
  '4365727420537570706F7274311830160603550403130F4672616E6B344444205765622043413123302106092A864886F70D0109011614737570706F7274406672616E6B3464642E636F6D30819F' +
  '300D06092A864886F70D010101050003818D0030818902818100BBAFBC8F25D5E60CBDBFF8BDA2A20C50ACB30BFB5D04C0063D9494421C63EA489F227FBB5EAA75E016BE8C004882C1370BBE4E21' +
  'D54C4BAC35E6C68A1E80D835CF1FCE3836DC73EF927C508699F9708FFC232E9611C0F82EC7BFD0220AD4AB3B23D87B5D44577E58F543E003AD63D827C6335716955ED739A0026FD414B74C7B0203' +
  '010001A382010430820100301D0603551D0E0416041462F37BED06D4B1D59C7F48E5EFC5C91561FDD9113081D00603551D230481C83081C5801462F37BED06D4B1D59C7F48E5EFC5C91561FDD911' +
  'A181A1A4819E30819B310B3009060355040613024A50310E300C06035504081305546F6B796F3110300E060355040713074368756F2D6B753111300F060355040A13084672616E6B344444311830' +
  '16060355040B130F5765624365727420537570706F7274311830160603550403130F4672616E6B344444205765622043413123302106092A864886F70D0109011614737570706F7274406672616E' +
  '6B3464642E636F6D820900C6C70409BC225BA0300C0603551D13040530030101FF300D06092A864886F70D010105050003818100BA2C2E91DDB85398DF4C0A4B6590DF64734608746563652D7587' +
  '910626CD31CDA24C182F2D3019F22ACC3D68BCB3230EE3CC0B73019903E0F3385DF81636B2046181D1019985938B0EF57992CB988FDE7506EED73EAB39725BF047A0B9B24D9184DCBB1B0A2E28C8' +
  '7C90E72B69E8A8FB74DE9B8912C071A2C375E173C484810E0A';
