// Runs Electronegativity's own command line with one change: its CSV writer is replaced. That writer starts
// two unordered asynchronous writes — the header with flag 'w' and the findings with flag 'a' — so the header
// write sometimes lands last and truncates the findings away (seen in CI: a report holding only its header).
// This writes the findings once, synchronously, as JSON with every field the check needs.
// Usage: node electronegativity-run.mjs <scanner dist folder> <findings.json> <scanner arguments...>
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const [dist, out, ...args] = process.argv.slice(2);
const util = require(path.join(dist, 'util/index.js'));
util.writeIssues = (_root, _relative, _filename, issues) => {
  const rows = issues.map((i) => ({
    check: i.id,
    severity: i.severity && i.severity.name,
    confidence: i.confidence && i.confidence.name,
    file: i.file,
    location: i.location ? `${i.location.line}:${i.location.column}` : '',
    sample: i.sample == null ? '' : String(i.sample),
    description: i.description,
  }));
  fs.writeFileSync(out, JSON.stringify(rows));
};
// The scanner still wants an output name to pick its non-interactive mode; its writer above ignores it.
process.argv = [process.argv[0], path.join(dist, 'index.js'), ...args, '-o', `${out}.csv`];
require(path.join(dist, 'index.js'));
