# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- Task Scheduler (ScheduledTasks module: https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/).
#     Starting a task runs its action's -EncodedCommand as a new PowerShell (in this process, a new scope), as
#     SYSTEM would; a hung task stays Running until stopped. ---
function New-ScheduledTaskAction { [CmdletBinding()] param([Parameter(Mandatory)][string]$Execute, [string]$Argument) [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
function New-ScheduledTaskPrincipal { [CmdletBinding()] param([string]$UserId, [string]$LogonType, [string]$RunLevel) [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
function New-ScheduledTaskSettingsSet { [CmdletBinding()] param([switch]$AllowStartIfOnBatteries, [switch]$DontStopIfGoingOnBatteries, [TimeSpan]$ExecutionTimeLimit) [pscustomobject]@{ ExecutionTimeLimit = $ExecutionTimeLimit } }

function Get-TaskKey([string]$TaskPath, [string]$TaskName) { $TaskPath + $TaskName }

function Register-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\', [Parameter(Mandatory)]$Action, $Principal, $Settings, [switch]$Force)
  if ($Principal.UserId -ne 'S-1-5-18' -or $Principal.LogonType -ne 'ServiceAccount') { throw 'Patchwell registers SYSTEM tasks only' }
  $script:S.scheduledTasks[(Get-TaskKey $TaskPath $TaskName)] = @{ key = (Get-TaskKey $TaskPath $TaskName); state = 'Ready'; execute = $Action.Execute; arguments = $Action.Arguments; lastTaskResult = 267011; runs = 0 }
  Add-StandinEvent ('register ' + $TaskName)
  [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; State = 'Ready' }
}

function Get-StandinTask([string]$TaskPath, [string]$TaskName) {
  $t = $script:S.scheduledTasks[(Get-TaskKey $TaskPath $TaskName)]
  if (-not $t) { throw [Microsoft.Management.Infrastructure.CimException]::new("No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'.") }
  $t
}

function Invoke-TaskAction($T) {
  if ($T.execute -ne 'powershell.exe') { throw "The simulated machine has no program $($T.execute)" }
  $m = [regex]::Match([string]$T.arguments, '^-NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/=]+)$')
  if (-not $m.Success) { throw "Unexpected task arguments: $($T.arguments)" }
  $text = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($m.Groups[1].Value))
  # A new powershell.exe as SYSTEM: its own runspace, the same machine (the state goes through the file).
  Save-StandinState
  # Another process's console settings are its own.
  $encoding = [Console]::OutputEncoding
  $rs = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
  $rs.Open()
  $ps = [powershell]::Create()
  $ps.Runspace = $rs
  $failure = $null
  try {
    $run = 'param($ModulePath, $Text) Set-StrictMode -Version Latest; $ErrorActionPreference = ''Stop''; Import-Module $ModulePath; try { $null = & ([scriptblock]::Create($Text)) } finally { Save-StandinState }'
    [void]$ps.AddScript($run).AddArgument($script:ModulePath).AddArgument($text)
    [void]$ps.Invoke()
  } catch {
    $e = $_.Exception
    while ($e -is [System.Management.Automation.MethodInvocationException] -and $e.InnerException) { $e = $e.InnerException }
    $failure = $e.Message
    if ($e -is [System.Management.Automation.IContainsErrorRecord]) { $failure += ' ' + $e.ErrorRecord.InvocationInfo.PositionMessage }
  } finally {
    $ps.Dispose()
    $rs.Dispose()
    [Console]::OutputEncoding = $encoding
  }
  $script:S = Get-Content -Raw -LiteralPath $script:StatePath | ConvertFrom-Json -AsHashtable
  $T = $script:S.scheduledTasks[$T.key]
  # powershell.exe ends with exit code 1 on an uncaught error; the test side sees the error itself.
  if ($failure) { $T.lastTaskResult = 1; $script:S.taskErrors += @($failure) } else { $T.lastTaskResult = 0 }
  $T
}

function Start-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  Add-StandinEvent ('start ' + $TaskName)
  # What the task has to work with when it starts: its command line, and every file under ProgramData\Patchwell.
  $base = Join-Path $env:ProgramData 'Patchwell'
  $files = @(Get-ChildItem -LiteralPath $base -Recurse -Force -ErrorAction SilentlyContinue | ForEach-Object { $_.FullName.Substring($base.Length).Replace('\', '/') })
  $script:S.taskStarts += @(@{ arguments = [string]$t.arguments; files = $files })
  $t.runs = [int]$t.runs + 1
  if ($null -ne $script:S.nextTaskFailsWith) {
    # Task Scheduler could not start the action (a logon failure, a disabled service account): nothing ran.
    $t.lastTaskResult = [int64]$script:S.nextTaskFailsWith
    $script:S.nextTaskFailsWith = $null
    return
  }
  if ($script:S.hangNextTask) {
    $script:S.hangNextTask = $false
    $t.state = 'Running'
    return
  }
  $t.state = 'Running'
  $t = Invoke-TaskAction $t
  $t.state = 'Ready'
}

function Get-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; State = [string]$t.state }
}

function Get-ScheduledTaskInfo {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  [pscustomobject]@{ TaskName = $TaskName; LastTaskResult = [uint32]([int64]$t.lastTaskResult -band 0xFFFFFFFF); NumberOfMissedRuns = 0 }
}

function Stop-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  Add-StandinEvent ('stop ' + $TaskName)
  $t.state = 'Ready'
  $t.lastTaskResult = 0x41306
}

function Unregister-ScheduledTask {
  [CmdletBinding(SupportsShouldProcess)] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $key = Get-TaskKey $TaskPath $TaskName
  if (-not $script:S.scheduledTasks[$key]) { Write-Error "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'."; return }
  if ($script:S.scheduledTasks[$key].state -eq 'Running') { $script:S.taskErrors += @("Unregister-ScheduledTask removed $TaskName while it was still running") }
  $script:S.scheduledTasks.Remove($key)
  Add-StandinEvent ('remove ' + $TaskName)
}
