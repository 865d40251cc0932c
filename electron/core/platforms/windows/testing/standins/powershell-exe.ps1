# powershell.exe on the lab's windows-ssh host (e2e/lab/windows-ssh.ts): run by real PowerShell 7 for each SSH
# command, with the arguments Patchwell gave powershell.exe. As host.ps1 does for the in-process machines, it
# imports the stand-ins, then runs the -EncodedCommand text as a fresh powershell.exe would; unlike host.ps1 it
# reads nothing itself: the command reads the real standard input the SSH channel carries, and prints to the
# real standard output and error. The machine's state is a file on the host's disk, saved whatever happens.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Windows PowerShell 5.1 writes no terminal colour codes into redirected error output.
$PSStyle.OutputRendering = 'PlainText'

# Only the command line Patchwell sends: anything else on this machine is a test failure, not a feature.
if ($args.Count -ne 4 -or $args[0] -cne '-NoProfile' -or $args[1] -cne '-NonInteractive' -or $args[2] -cne '-EncodedCommand' -or [string]$args[3] -notmatch '^[A-Za-z0-9+/=]+$') {
  [Console]::Error.WriteLine('unexpected powershell.exe arguments: ' + (@($args | ForEach-Object { [string]$_ }) -join ' '))
  exit 1
}
$text = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String([string]$args[3]))

# The Windows environment the scripts read; the machine's folders live under PATCHWELL_STANDIN_ROOT.
$root = $env:PATCHWELL_STANDIN_ROOT
if (-not $root -or -not $env:PATCHWELL_STANDIN_STATE) { throw 'PATCHWELL_STANDIN_ROOT and PATCHWELL_STANDIN_STATE must name the machine''s folder and state file' }
$env:COMPUTERNAME = [Environment]::MachineName.ToUpperInvariant()
$env:SystemDrive = 'C:'
$env:ProgramData = Join-Path $root 'ProgramData'
$env:ProgramFiles = Join-Path $root 'Program Files'
$env:SystemRoot = Join-Path $root 'Windows'
foreach ($d in @($env:ProgramData, $env:ProgramFiles, (Join-Path $env:SystemRoot 'System32'))) { $null = New-Item -ItemType Directory -Force -Path $d }

Import-Module (Join-Path $PSScriptRoot 'Patchwell.WindowsStandins.psm1')
try { & ([scriptblock]::Create($text)) } finally { Save-StandinState }
