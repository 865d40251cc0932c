/**
 * The windows-ssh scenario: a lab host whose real OpenSSH sshd runs Patchwell's Windows command line, and on
 * which `powershell.exe` is the real PowerShell 7 (this machine's pwsh, a .NET global tool, and the .NET runtime
 * it runs on, bound in read-only at start) with the Windows stand-ins imported before the script: the same
 * files as electron/core/platforms/windows/testing/standins, carried in this layer's recipe, so a changed
 * stand-in rebuilds the layer. The simulated machine's state is a file on the host's disk, so a deployment
 * changes what the next assessment sees, across SSH sessions, until the host is reset.
 *
 * What is a stand-in here: the Windows surface (the stand-ins' documented objects and cmdlets) and the shell
 * sshd hands the command line to (Windows' OpenSSH uses cmd.exe, its DefaultShell; this host's admin has
 * DEFAULT_SHELL, which records the line exactly as sshd passed it and runs it with bash).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPwsh, PWSH_NEEDED, PWSH_VERSION } from '../../electron/core/platforms/windows/testing/pwsh';
import { sampleUpdates, SimulatedWindows } from '../../electron/core/platforms/windows/testing/simulated-windows';
import { ADMIN_UID } from './base-root.js';
import type { Bind } from './layers.js';
import { LabError } from './types.js';

const STANDINS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../electron/core/platforms/windows/testing/standins');

/** Where things are on the host. */
export const WINDOWS_SSH = {
  /** The machine's state (the stand-ins' JSON), owned by admin, who runs powershell.exe. */
  state: '/var/lib/pw-windows/state.json',
  /** C:\ProgramData, C:\Program Files and C:\Windows of the simulated machine. */
  machine: '/var/lib/pw-windows/machine',
  /**
   * One line per SSH command: `cmd ID BASE64(command line as sshd passed it)`, and for each one that ran
   * powershell.exe `ps ID EXIT STDIN-BYTES BASE64(first "# patchwell-windows:" line of its stdin)`.
   */
  callLog: '/var/lib/pw-windows/calls.log',
  /** Each powershell.exe run's standard input, as it arrived: calls/ID.stdin. */
  calls: '/var/lib/pw-windows/calls',
  standins: '/usr/local/lib/pw-windows/standins',
  pwshTool: '/opt/pw-pwsh',
  dotnetRoot: '/usr/share/dotnet',
} as const;

/** The simulated machine's clock when the host is fresh; it moves only by the scripts' Start-Sleep. */
export const WINDOWS_SSH_CLOCK = Date.parse('2026-11-25T09:00:00Z');

const DEFAULT_SHELL = '/usr/local/lib/pw-windows/default-shell';

const DEFAULT_SHELL_SCRIPT = `#!/bin/sh
# The admin user's login shell on the windows-ssh lab host, in the place of cmd.exe (Windows OpenSSH's
# DefaultShell): sshd runs "SHELL -c LINE" with the client's command line as is. It records the line, so tests
# can check it byte for byte, then runs it with bash.
if [ "$#" -eq 2 ] && [ "$1" = "-c" ]; then
  PW_CALL=$(date +%s%N)-$$
  export PW_CALL
  printf 'cmd %s %s\\n' "$PW_CALL" "$(printf '%s' "$2" | base64 -w0)" >> ${WINDOWS_SSH.callLog}
  exec /bin/bash -c "$2"
fi
exec /bin/bash --login "$@"
`;

const POWERSHELL_EXE = `#!/bin/sh
# powershell.exe on the windows-ssh lab host: the real PowerShell 7 (the machine's pwsh, bound in read-only at
# ${WINDOWS_SSH.pwshTool}) running standins/powershell-exe.ps1 with these arguments. Its standard input is the SSH
# channel's (copied to calls/ID.stdin on the way); one command at a time, as the state is one file.
id=\${PW_CALL:-$(date +%s%N)-$$}
exec 9>>/var/lib/pw-windows/lock
flock 9
tee ${WINDOWS_SSH.calls}/"$id".stdin | env -i HOME="$HOME" USER="$USER" LOGNAME="$USER" LANG=C.UTF-8 \\
  PATH=/usr/local/bin:/usr/bin:/bin DOTNET_ROOT=${WINDOWS_SSH.dotnetRoot} DOTNET_CLI_TELEMETRY_OPTOUT=1 \\
  POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off \\
  PATCHWELL_STANDIN_STATE=${WINDOWS_SSH.state} PATCHWELL_STANDIN_ROOT=${WINDOWS_SSH.machine} \\
  ${WINDOWS_SSH.pwshTool}/pwsh -NoProfile -NonInteractive -File ${WINDOWS_SSH.standins}/powershell-exe.ps1 "$@"
code=$?
marker=$(grep -m1 '^# patchwell-windows:' ${WINDOWS_SSH.calls}/"$id".stdin | base64 -w0)
printf 'ps %s %s %s %s\\n' "$id" "$code" "$(wc -c < ${WINDOWS_SSH.calls}/"$id".stdin)" "$marker" >> ${WINDOWS_SSH.callLog}
exit "$code"
`;

/** The machine a fresh host is: Windows 11 Pro with the two sample updates pending, as the in-process tests use. */
export function initialWindowsState(): string {
  const win = new SimulatedWindows(() => WINDOWS_SSH_CLOCK);
  win.pending = sampleUpdates();
  return win.stateJson();
}

function heredoc(file: string, content: string, mode: string): string {
  // base64 keeps PowerShell's $ and backticks away from the shell, whatever the files hold.
  return [`base64 -d > ${file} <<'PW_EOF'`, Buffer.from(content).toString('base64').replace(/(.{76})/g, '$1\n'), 'PW_EOF', `chmod ${mode} ${file}`].join('\n');
}

/** The layer on top of `upgraded`: ICU for .NET, the stand-ins, powershell.exe, the shell, the first state. */
export function windowsSshScript(): string {
  const files = fs.readdirSync(STANDINS).filter((f) => /\.ps[m1]?1$/.test(f)).sort();
  return [
    '# .NET needs ICU (without it, only its invariant mode, which PowerShell on Windows never runs in).',
    'pkgs="libicu72"',
    'apt-get -y --no-install-recommends install $pkgs || { apt-get update && apt-get -y --no-install-recommends install $pkgs; }',
    'rm -f /var/cache/apt/*.bin',
    `mkdir -p ${WINDOWS_SSH.standins} ${WINDOWS_SSH.pwshTool} ${WINDOWS_SSH.dotnetRoot} ${path.dirname(DEFAULT_SHELL)}`,
    '# The PowerShell tool starts `dotnet` from PATH.',
    `ln -sf ${WINDOWS_SSH.dotnetRoot}/dotnet /usr/local/bin/dotnet`,
    ...files.map((f) => heredoc(`${WINDOWS_SSH.standins}/${f}`, fs.readFileSync(path.join(STANDINS, f), 'utf8'), '644')),
    heredoc('/usr/local/bin/powershell.exe', POWERSHELL_EXE, '755'),
    heredoc(DEFAULT_SHELL, DEFAULT_SHELL_SCRIPT, '755'),
    `echo ${DEFAULT_SHELL} >> /etc/shells`,
    `usermod -s ${DEFAULT_SHELL} admin`,
    `install -d -o ${ADMIN_UID} -g ${ADMIN_UID} -m 755 /var/lib/pw-windows ${WINDOWS_SSH.calls} ${WINDOWS_SSH.machine}`,
    heredoc(WINDOWS_SSH.state, initialWindowsState(), '644'),
    `chown ${ADMIN_UID}:${ADMIN_UID} ${WINDOWS_SSH.state}`,
    `install -o ${ADMIN_UID} -g ${ADMIN_UID} -m 644 /dev/null ${WINDOWS_SSH.callLog}`,
  ].join('\n');
}

/** The directory holding the .NET runtime the machine's pwsh runs on. */
function dotnetRoot(): string | null {
  const candidates = [process.env.DOTNET_ROOT, ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, 'dotnet')), '/usr/share/dotnet/dotnet', '/usr/lib/dotnet/dotnet']
    .filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      const dir = fs.statSync(c).isDirectory() ? c : path.dirname(fs.realpathSync(c));
      if (fs.existsSync(path.join(dir, 'shared', 'Microsoft.NETCore.App'))) return dir;
    } catch { /* not this one */ }
  }
  return null;
}

/**
 * What a windows-ssh host sees read-only: the folder of this machine's pwsh (the tool and its .store) and the
 * .NET runtime. Missing either, the lab says the command that installs it.
 */
export function windowsSshBinds(): Bind[] {
  let pwsh: string;
  try {
    pwsh = fs.realpathSync(findPwsh(process.env.PATH ?? '', os.homedir()));
  } catch {
    throw new LabError(`the windows-ssh scenario runs this machine's PowerShell: ${PWSH_NEEDED}`);
  }
  // The .NET tool's pwsh is a launcher that finds PowerShell in the .store beside it.
  const tools = [path.join(os.homedir(), '.dotnet', 'tools'), path.dirname(pwsh)].find((d) => fs.existsSync(path.join(d, 'pwsh')) && fs.existsSync(path.join(d, '.store')));
  if (!tools) throw new LabError(`the windows-ssh scenario needs pwsh as a .NET global tool (${pwsh} is not one): ${PWSH_NEEDED}`);
  const dotnet = dotnetRoot();
  if (!dotnet) {
    throw new LabError('the windows-ssh scenario needs the .NET runtime pwsh runs on and found none (no dotnet on PATH, no DOTNET_ROOT): install the .NET SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian), then ' + `dotnet tool install --global PowerShell --version ${PWSH_VERSION}`);
  }
  return [{ src: tools, dst: WINDOWS_SSH.pwshTool }, { src: dotnet, dst: WINDOWS_SSH.dotnetRoot }];
}
