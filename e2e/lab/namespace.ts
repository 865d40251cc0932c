import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type Log } from './exec.js';

/**
 * Runs a shell script in fresh mount, PID and UTS namespaces. Its mounts never reach the machine's
 * mount table and vanish when it ends; setpriv's parent-death signal plus unshare's --kill-child end
 * the whole tree if the calling process dies mid-build, so a crash leaves no mounts or processes.
 */
export async function runInNamespace(script: string, log?: Log): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-lab-ns-'));
  const file = path.join(dir, 'script.sh');
  fs.writeFileSync(file, `set -eu\n${script}\n`, { mode: 0o700 });
  try {
    await run('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--pid', '--uts', '--fork', '--kill-child=SIGKILL', '--propagation', 'private', '--', '/bin/sh', file], { log });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
