# Stand-ins for the Windows-only surface Patchwell's scripts use, so the exact scripts run in PowerShell 7 on
# Linux against one simulated machine. Shaped after Microsoft's documentation (cited per block); the machine's
# state is a JSON file the test side writes before a script and reads back after (Save-StandinState), so an
# install or a removal changes what the next script sees. Anything a script calls that is not here, and that
# PowerShell 7 on Linux does not have, fails as "not recognized", as it should.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:ModulePath = $PSCommandPath
$script:StatePath = $env:PATCHWELL_STANDIN_STATE
if (-not $script:StatePath) { throw 'PATCHWELL_STANDIN_STATE must name the simulated machine''s state file' }
$script:S = Get-Content -Raw -LiteralPath $script:StatePath | ConvertFrom-Json -AsHashtable
# Windows encodes a process's console output, and decodes a native program's, with the OEM code page (437 on
# an English Windows) unless a script says otherwise: so does the simulated machine.
[Console]::OutputEncoding = [Text.Encoding]::GetEncoding([int]$script:S.consoleCodePage)

function Save-StandinState {
  $script:S | ConvertTo-Json -Depth 12 -Compress | Set-Content -LiteralPath $script:StatePath -Encoding utf8NoBOM
}

function Add-StandinEvent([string]$Text) { $script:S.events += @($Text) }

# The simulated clock: Patchwell's scripts must not depend on the real one.
function Get-SimNow { [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$script:S.now).UtcDateTime }

function Get-Date {
  [CmdletBinding()] param([Parameter(Position = 0)] $Date)
  if ($PSBoundParameters.ContainsKey('Date')) { return Microsoft.PowerShell.Utility\Get-Date -Date $Date }
  Get-SimNow
}

function Start-Sleep {
  [CmdletBinding()] param([Parameter(Position = 0)][double]$Seconds, [int]$Milliseconds)
  $ms = [int64]($Seconds * 1000) + $Milliseconds
  $script:S.now = [int64]$script:S.now + $ms
}

function Get-SignedHResult([int64]$Value) { if ($Value -gt [int]::MaxValue) { [int]($Value - 4294967296) } else { [int]$Value } }

function Throw-Com([string]$Message, [int64]$HResult) {
  throw [System.Runtime.InteropServices.COMException]::new($Message, (Get-SignedHResult $HResult))
}

# The Windows-only surface, by area; each file cites the documentation it follows.
foreach ($part in @('registry.ps1', 'cim.ps1', 'restore-point.ps1', 'servicing.ps1', 'windows-update.ps1', 'access-control.ps1', 'scheduled-tasks.ps1', 'winget.ps1')) { . (Join-Path $PSScriptRoot $part) }

Export-ModuleMember -Function @(
  'Save-StandinState', 'Get-Date', 'Start-Sleep', 'Test-Path', 'Get-ItemProperty', 'Get-CimInstance', 'Get-HotFix', 'Get-Service',
  'Get-ComputerRestorePoint', 'Checkpoint-Computer', 'Get-WindowsPackage', 'Remove-WindowsPackage', 'Start-Process', 'Get-Acl', 'Set-Acl',
  'New-Object', 'New-ScheduledTaskAction', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet', 'Register-ScheduledTask',
  'Start-ScheduledTask', 'Get-ScheduledTask', 'Get-ScheduledTaskInfo', 'Stop-ScheduledTask', 'Unregister-ScheduledTask', 'Restart-Computer')
