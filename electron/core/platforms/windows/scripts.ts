/**
 * The constant PowerShell scripts of the Windows module (Windows PowerShell 5.1, which every supported Windows
 * has). Each starts with a marker line naming it, reads its data only from $PwArgs[0] (JSON that powershell.ts
 * passes as base64, never pasted into the text), and prints exactly one JSON document. Nothing here is built
 * from a machine's or a user's text.
 *
 * Windows Update runs through a scheduled task as SYSTEM: the Windows Update Agent refuses downloads and
 * installs (and, on recent builds, searches) from a remote session. The launcher writes the worker script and
 * its input into %ProgramData%\Patchwell (only SYSTEM and Administrators may read or write it), registers a
 * task named Patchwell-<16 hex digits Patchwell generated>, starts it, polls until it ends or the time limit
 * passes (then stops it), returns the worker's JSON, and removes the task and its files in every case.
 */

export const MARKER = '# patchwell-windows:';

const PRELUDE_NOTE = '# Data: $PwArgs[0] is JSON from Patchwell.';

export const FACTS_SCRIPT = `${MARKER}facts
${PRELUDE_NOTE}
$os = Get-CimInstance Win32_OperatingSystem
$cv = Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'
$reasons = @()
if (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') { $reasons += 'Windows servicing (CBS) has a reboot pending' }
if (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired') { $reasons += 'Windows Update needs a reboot to finish installing' }
$pfro = (Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations
if ($pfro) { $reasons += 'files are waiting to be replaced at the next boot (PendingFileRenameOperations)' }
$sys = Get-CimInstance Win32_LogicalDisk -Filter ("DeviceID='" + $env:SystemDrive + "'")
[pscustomobject]@{
  hostname = [string]$env:COMPUTERNAME
  caption = [string]$os.Caption
  version = [string]$os.Version
  build = [string]$cv.CurrentBuildNumber
  ubr = [int]$cv.UBR
  displayVersion = [string]$cv.DisplayVersion
  edition = [string]$cv.EditionID
  productType = [int]$os.ProductType
  architecture = [string]$os.OSArchitecture
  lastBoot = $os.LastBootUpTime.ToUniversalTime().ToString('o')
  uptimeSeconds = [int64]((Get-Date) - $os.LastBootUpTime).TotalSeconds
  systemDriveFreeKb = [int64]($sys.FreeSpace / 1024)
  rebootReasons = @($reasons)
} | ConvertTo-Json -Depth 4 -Compress
`;

export const INSTALLED_SCRIPT = `${MARKER}installed
${PRELUDE_NOTE}
$hotfixes = @(Get-CimInstance Win32_QuickFixEngineering | Where-Object { $_.HotFixID -match '^KB[0-9]+$' } | ForEach-Object {
  $on = $null
  try { if ($_.InstalledOn) { $on = ([datetime]$_.InstalledOn).ToString('yyyy-MM-dd') } } catch { $on = $null }
  [pscustomobject]@{ kb = [string]$_.HotFixID; installedOn = $on; description = [string]$_.Description }
})
$apps = @(foreach ($path in @('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*')) {
  Get-ItemProperty $path -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -and -not $_.SystemComponent } | ForEach-Object {
    [pscustomobject]@{ name = [string]$_.DisplayName; version = [string]$_.DisplayVersion; publisher = [string]$_.Publisher; x86 = ($path -like '*WOW6432Node*') }
  }
})
[pscustomobject]@{ hotfixes = $hotfixes; apps = $apps } | ConvertTo-Json -Depth 4 -Compress
`;

/**
 * The worker the SYSTEM task runs. $PwTaskId is set by the task's bootstrap to our 16-hex id; its input is
 * <id>.in.json and its output <id>.json beside it.
 */
export const WUA_WORKER_SCRIPT = `${MARKER}wua-worker
$ErrorActionPreference = 'Stop'
$dir = Join-Path $env:ProgramData 'Patchwell'
$in = Get-Content -Raw -Path (Join-Path $dir ($PwTaskId + '.in.json')) | ConvertFrom-Json
$outFile = Join-Path $dir ($PwTaskId + '.json')
function Describe($u) {
  [pscustomobject]@{
    updateId = [string]$u.Identity.UpdateID
    revision = [int]$u.Identity.RevisionNumber
    title = [string]$u.Title
    kbs = @($u.KBArticleIDs | ForEach-Object { 'KB' + $_ })
    msrcSeverity = [string]$u.MsrcSeverity
    cves = @($u.CveIDs)
    categories = @($u.Categories | ForEach-Object { [string]$_.Name })
    rebootBehavior = [int]$u.InstallationBehavior.RebootBehavior
    maxDownloadSize = [int64]$u.MaxDownloadSize
    uninstallable = [bool]$u.IsUninstallable
    published = $u.LastDeploymentChangeTime.ToUniversalTime().ToString('o')
  }
}
try {
  $session = New-Object -ComObject Microsoft.Update.Session
  $session.ClientApplicationID = 'Patchwell'
  $found = $session.CreateUpdateSearcher().Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
  if ($in.op -eq 'search') {
    $res = [pscustomobject]@{ op = 'search'; updates = @(foreach ($u in $found.Updates) { Describe $u }) }
  } else {
    $coll = New-Object -ComObject Microsoft.Update.UpdateColl
    $missing = @()
    foreach ($want in @($in.updateIds)) {
      $hit = $null
      foreach ($u in $found.Updates) { if ([string]$u.Identity.UpdateID -eq [string]$want) { $hit = $u } }
      if ($hit) { if (-not $hit.EulaAccepted) { $hit.AcceptEula() }; [void]$coll.Add($hit) } else { $missing += [string]$want }
    }
    $results = @()
    $reboot = $false
    if ($coll.Count -gt 0) {
      $downloader = $session.CreateUpdateDownloader(); $downloader.Updates = $coll; [void]$downloader.Download()
      $installer = $session.CreateUpdateInstaller(); $installer.Updates = $coll; $ir = $installer.Install()
      $reboot = [bool]$ir.RebootRequired
      for ($i = 0; $i -lt $coll.Count; $i++) {
        $r = $ir.GetUpdateResult($i)
        $results += [pscustomobject]@{ updateId = [string]$coll.Item($i).Identity.UpdateID; kbs = @($coll.Item($i).KBArticleIDs | ForEach-Object { 'KB' + $_ }); resultCode = [int]$r.ResultCode; hresult = [int]$r.HResult; rebootRequired = [bool]$r.RebootRequired }
      }
    }
    $res = [pscustomobject]@{ op = 'install'; results = $results; missing = $missing; rebootRequired = $reboot }
  }
} catch {
  $res = [pscustomobject]@{ op = [string]$in.op; error = [string]$_.Exception.Message; hresult = [int]$_.Exception.HResult }
}
$res | ConvertTo-Json -Depth 6 -Compress | Set-Content -Path $outFile -Encoding UTF8
`;

/**
 * winget as SYSTEM: the App Installer's winget.exe is found under WindowsApps (SYSTEM has no alias for it),
 * upgrades are listed (winget prints a table only) or one package is upgraded to an exact version in machine
 * scope. Input: { op: 'winget-list' } or { op: 'winget-upgrade', id, version }.
 */
export const WINGET_WORKER_SCRIPT = `${MARKER}winget-worker
$ErrorActionPreference = 'Stop'
$dir = Join-Path $env:ProgramData 'Patchwell'
$in = Get-Content -Raw -Path (Join-Path $dir ($PwTaskId + '.in.json')) | ConvertFrom-Json
$outFile = Join-Path $dir ($PwTaskId + '.json')
try {
  $winget = Get-ChildItem -Path (Join-Path $env:ProgramFiles 'WindowsApps') -Filter 'winget.exe' -Recurse -ErrorAction SilentlyContinue |
    Where-Object { $_.DirectoryName -like '*Microsoft.DesktopAppInstaller_*_x64__8wekyb3d8bbwe' } | Sort-Object LastWriteTime | Select-Object -Last 1
  if (-not $winget) {
    $res = [pscustomobject]@{ op = [string]$in.op; found = $false }
  } elseif ($in.op -eq 'winget-list') {
    $lines = @(& $winget.FullName upgrade --accept-source-agreements --disable-interactivity 2>&1 | ForEach-Object { [string]$_ })
    $res = [pscustomobject]@{ op = 'winget-list'; found = $true; exitCode = [int64]$LASTEXITCODE; lines = $lines }
  } else {
    $id = [string]$in.id
    $version = [string]$in.version
    if ($id -notmatch '^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$' -or $version -notmatch '^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$') { throw 'Bad package id or version' }
    $lines = @(& $winget.FullName upgrade --id $id --version $version --exact --silent --scope machine --accept-package-agreements --accept-source-agreements --disable-interactivity 2>&1 | ForEach-Object { [string]$_ })
    $res = [pscustomobject]@{ op = 'winget-upgrade'; found = $true; exitCode = [int64]$LASTEXITCODE; lines = $lines }
  }
} catch {
  $res = [pscustomobject]@{ op = [string]$in.op; error = [string]$_.Exception.Message; hresult = [int]$_.Exception.HResult }
}
$res | ConvertTo-Json -Depth 6 -Compress | Set-Content -Path $outFile -Encoding UTF8
`;

/** Registers, runs, polls and removes the SYSTEM task. Data: { id, worker, input, timeoutSeconds }. */
export const WUA_TASK_SCRIPT = `${MARKER}wua-task
${PRELUDE_NOTE}
$D = ConvertFrom-Json $PwArgs[0]
$id = [string]$D.id
if ($id -notmatch '^[0-9a-f]{16}$') { throw 'The task id must be 16 hexadecimal digits' }
$dir = Join-Path $env:ProgramData 'Patchwell'
if ($dir.Contains("'")) { throw 'Unexpected ProgramData path' }
if (-not (Test-Path $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
$acl = New-Object System.Security.AccessControl.DirectorySecurity
$acl.SetAccessRuleProtection($true, $false)
foreach ($sid in @('S-1-5-18', 'S-1-5-32-544')) {
  $who = New-Object System.Security.Principal.SecurityIdentifier($sid)
  $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
}
Set-Acl -Path $dir -AclObject $acl
$ps1 = Join-Path $dir ($id + '.ps1')
$inFile = Join-Path $dir ($id + '.in.json')
$outFile = Join-Path $dir ($id + '.json')
$name = 'Patchwell-' + $id
$path = '\\Patchwell\\'
try {
  Set-Content -Path $ps1 -Value ([string]$D.worker) -Encoding UTF8
  Set-Content -Path $inFile -Value ($D.input | ConvertTo-Json -Depth 6 -Compress) -Encoding UTF8
  $boot = "\`$PwTaskId = '" + $id + "'; & ([scriptblock]::Create([IO.File]::ReadAllText('" + $ps1 + "')))"
  $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($boot))
  $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
  $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
  $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -ExecutionTimeLimit (New-TimeSpan -Seconds ([int]$D.timeoutSeconds + 60))
  Register-ScheduledTask -TaskName $name -TaskPath $path -Action $action -Principal $principal -Settings $settings -Force | Out-Null
  Start-ScheduledTask -TaskName $name -TaskPath $path
  $deadline = (Get-Date).AddSeconds([int]$D.timeoutSeconds)
  do { Start-Sleep -Seconds 2; $state = [string](Get-ScheduledTask -TaskName $name -TaskPath $path).State } while ($state -eq 'Running' -and (Get-Date) -lt $deadline)
  if ($state -eq 'Running') {
    Stop-ScheduledTask -TaskName $name -TaskPath $path
    [pscustomobject]@{ status = 'timed-out'; task = $name; seconds = [int]$D.timeoutSeconds } | ConvertTo-Json -Compress
  } elseif (-not (Test-Path $outFile)) {
    $info = Get-ScheduledTaskInfo -TaskName $name -TaskPath $path
    [pscustomobject]@{ status = 'no-result'; task = $name; lastTaskResult = [int64]$info.LastTaskResult } | ConvertTo-Json -Compress
  } else {
    [pscustomobject]@{ status = 'done'; task = $name; result = (Get-Content -Raw -Path $outFile | ConvertFrom-Json) } | ConvertTo-Json -Depth 8 -Compress
  }
} finally {
  Unregister-ScheduledTask -TaskName $name -TaskPath $path -Confirm:$false -ErrorAction SilentlyContinue
  Remove-Item -Path $ps1, $inFile, $outFile -Force -ErrorAction SilentlyContinue
}
`;

/** Data: { description }. Client editions only; says when Windows made no new point (one per 24 hours). */
export const RESTORE_POINT_SCRIPT = `${MARKER}restore-point
${PRELUDE_NOTE}
$D = ConvertFrom-Json $PwArgs[0]
$os = Get-CimInstance Win32_OperatingSystem
if ([int]$os.ProductType -ne 1) { [pscustomobject]@{ created = $false; reason = 'server' } | ConvertTo-Json -Compress; return }
$before = @(Get-ComputerRestorePoint -ErrorAction SilentlyContinue) | Sort-Object SequenceNumber | Select-Object -Last 1
$warn = @()
try {
  Checkpoint-Computer -Description ([string]$D.description) -RestorePointType MODIFY_SETTINGS -WarningAction SilentlyContinue -WarningVariable warn
} catch {
  [pscustomobject]@{ created = $false; reason = 'failed'; message = [string]$_.Exception.Message } | ConvertTo-Json -Compress; return
}
$after = @(Get-ComputerRestorePoint -ErrorAction SilentlyContinue) | Sort-Object SequenceNumber | Select-Object -Last 1
$new = ($null -ne $after) -and (($null -eq $before) -or ([int]$after.SequenceNumber -gt [int]$before.SequenceNumber))
$prev = $null
if ($before) { $prev = [pscustomobject]@{ sequence = [int]$before.SequenceNumber; description = [string]$before.Description; created = [string]$before.CreationTime } }
$seq = $null
if ($new) { $seq = [int]$after.SequenceNumber }
$why = $null
if (-not $new) { $why = 'frequency' }
[pscustomobject]@{ created = [bool]$new; sequence = $seq; reason = $why; previous = $prev; message = (@($warn) -join ' ') } | ConvertTo-Json -Depth 4 -Compress
`;

/**
 * Data: { kb }. Removes one KB: through DISM's package (Remove-WindowsPackage) when one carries the KB number,
 * else wusa /uninstall; never restarts. Combined servicing-stack packages are refused by DISM (permanent).
 */
export const REMOVE_KB_SCRIPT = `${MARKER}remove-kb
${PRELUDE_NOTE}
$D = ConvertFrom-Json $PwArgs[0]
$kb = [string]$D.kb
if ($kb -notmatch '^KB[0-9]{6,8}$') { throw 'A KB id is KB and 6 to 8 digits' }
$num = $kb.Substring(2)
$pkg = @(Get-WindowsPackage -Online -ErrorAction SilentlyContinue | Where-Object { $_.PackageName -like ('*KB' + $num + '*') -and [string]$_.PackageState -eq 'Installed' }) | Select-Object -First 1
if ($pkg) {
  try {
    $r = Remove-WindowsPackage -Online -PackageName $pkg.PackageName -NoRestart
    [pscustomobject]@{ kb = $kb; via = 'dism'; package = [string]$pkg.PackageName; exitCode = 0; rebootRequired = [bool]$r.RestartNeeded } | ConvertTo-Json -Compress
  } catch {
    [pscustomobject]@{ kb = $kb; via = 'dism'; package = [string]$pkg.PackageName; exitCode = [int64]$_.Exception.HResult; message = [string]$_.Exception.Message; rebootRequired = $false } | ConvertTo-Json -Compress
  }
  return
}
$p = Start-Process -FilePath (Join-Path $env:SystemRoot 'System32\\wusa.exe') -ArgumentList @('/uninstall', ('/kb:' + $num), '/quiet', '/norestart') -Wait -PassThru
[pscustomobject]@{ kb = $kb; via = 'wusa'; package = $null; exitCode = [int64]$p.ExitCode; rebootRequired = ([int64]$p.ExitCode -eq 3010) } | ConvertTo-Json -Compress
`;

/**
 * The services that should always run: started automatically at boot (not delayed, not started by a trigger,
 * both of which stop by design when idle) and running now. A deployment compares them before and after.
 */
export const SERVICES_SCRIPT = `${MARKER}services
${PRELUDE_NOTE}
$base = 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\'
$names = @(Get-CimInstance Win32_Service -Filter "State='Running' AND StartMode='Auto'" |
  Where-Object { -not $_.DelayedAutoStart -and -not (Test-Path -LiteralPath ($base + $_.Name + '\\TriggerInfo')) } |
  ForEach-Object { [string]$_.Name } | Sort-Object)
[pscustomobject]@{ running = $names } | ConvertTo-Json -Compress
`;

/** Restarts now (the caller has checked that a reboot is allowed). */
export const RESTART_SCRIPT = `${MARKER}restart
${PRELUDE_NOTE}
Restart-Computer -Force
[pscustomobject]@{ restarting = $true } | ConvertTo-Json -Compress
`;

/** The name a script declares on its first line, for logs and for the simulated machine. */
export function scriptName(script: string): string | null {
  const first = script.split('\n', 1)[0] ?? '';
  return first.startsWith(MARKER) ? first.slice(MARKER.length).trim() : null;
}
