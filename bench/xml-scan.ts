/**
 * bench/xml-scan: how long the WinRM reply parser takes on 10 MB of hostile input (unclosed tags, comments,
 * processing instructions, CDATA, nesting, a flood of elements) and on a well-formed 10 MB document, and whether
 * it refused or parsed each. Prints figures; asserts nothing (the tests assert the outcomes).
 * Run: npx tsx bench/xml-scan.ts [megabytes]
 */
import { parseXml } from '../electron/core/platforms/mini-xml';
import { parseReply } from '../electron/core/winrm/wsman';

const megabytes = Number(process.argv[2] ?? 10);
const size = megabytes * 1024 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length));
const wrap = (body: string): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;

const cases: [string, string][] = [
  ['unclosed start tags <a', fill('<a')],
  ['unclosed start tags with attributes', fill('<a b="c" ')],
  ['unclosed comments <!--', fill('<!--')],
  ['unclosed processing instructions <?', fill('<?')],
  ['unclosed CDATA sections', fill('<![CDATA[')],
  ['elements never closed <a>', fill('<a>')],
  ['empty elements <e/>', fill('<e/>')],
  ['stray "<" in text', fill('< ')],
  ['well-formed text-heavy elements', fill(`<a x="1">${'text &lt; '.repeat(100)}</a>`)],
];

function time(fn: () => void): { ms: number; outcome: string } {
  const start = process.hrtime.bigint();
  let outcome = 'parsed';
  try {
    fn();
  } catch (e) {
    outcome = `refused: ${(e as Error).message.slice(0, 90)}`;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, outcome };
}

console.log(`${megabytes} MB inputs`);
for (const [name, body] of cases) {
  const reply = time(() => parseReply(wrap(body)));
  const plain = time(() => parseXml(`<r>${body}</r>`));
  console.log(`${name.padEnd(38)} parseReply ${reply.ms.toFixed(0).padStart(6)} ms  ${reply.outcome}`);
  console.log(`${''.padEnd(38)} parseXml   ${plain.ms.toFixed(0).padStart(6)} ms  ${plain.outcome}`);
}
