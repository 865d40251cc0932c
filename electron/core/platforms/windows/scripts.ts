/**
 * The constant PowerShell scripts of the Windows module (Windows PowerShell 5.1, which every supported Windows
 * has). Each starts with a marker line naming it, reads its data only from $PwArgs[0] (JSON that powershell.ts
 * passes as base64, never pasted into the text), and prints exactly one JSON document. Nothing here is built
 * from a machine's or a user's text. The tests run them, exactly as sent, in PowerShell 7 under StrictMode
 * Latest against stand-ins for the Windows-only surface (testing/standins), so they must also run there:
 * $PwArgs is read as @($PwArgs)[0] (5.1's ConvertFrom-Json keeps a JSON array whole, 7's enumerates it) and a
 * property a registry key or an object may lack is read through PSObject.Properties.
 *
 * Output is UTF-8: without the first line of each script, Windows encodes what a script prints with the OEM
 * code page (437 or 850), and a non-ASCII name (an application, a restore point's description) reaches
 * Patchwell as replacement characters.
 *
 * Windows Update runs through a scheduled task as SYSTEM: the Windows Update Agent refuses downloads and
 * installs (and, on recent builds, searches) from a remote session. How that stays safe (WUA_TASK_SCRIPT):
 * - Nothing SYSTEM runs is read from a file. The worker script and its input travel inside the task's own
 *   command line (-EncodedCommand), which Task Scheduler keeps in its registry and System32\Tasks, writable by
 *   SYSTEM and Administrators only: there is no script file to swap between writing it and the task's start,
 *   so there is no hash to check either.
 * - The worker's result needs a folder. %ProgramData%\Patchwell is used only if its owner is SYSTEM or
 *   Administrators, it inherits nothing from %ProgramData% (where any user may create folders) and every rule
 *   that allows anything names SYSTEM or Administrators; it is not a junction or symbolic link. When it does not
 *   exist Patchwell creates it so. Otherwise Patchwell refuses and says why: a folder a standard user created
 *   first is theirs, and they could change it back after any repair.
 * - Each run gets a fresh folder <id> inside it, which must not exist before, created with the same protected
 *   ACL and checked again before the task starts; it is removed with the task in every case.
 * The launcher registers a task named Patchwell-<16 hex digits Patchwell generated>, starts it, polls until it
 * ends or the time limit passes (then stops it), and returns the worker's JSON.
 */

export const MARKER = '# patchwell-windows:';

const PRELUDE_NOTE = `# Data: $PwArgs[0] is JSON from Patchwell.
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false) } catch { }`;

export const FACTS_SCRIPT = `${MARKER}facts
${PRELUDE_NOTE}
$os = Get-CimInstance Win32_OperatingSystem
$cv = Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'
$reasons = @()
if (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') { $reasons += 'Windows servicing (CBS) has a reboot pending' }
if (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired') { $reasons += 'Windows Update needs a reboot to finish installing' }
$sm = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager'
if ($sm.PSObject.Properties['PendingFileRenameOperations'] -and @($sm.PendingFileRenameOperations | Where-Object { $_ }).Count -gt 0) { $reasons += 'files are waiting to be replaced at the next boot (PendingFileRenameOperations)' }
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
function Prop($o, [string]$n) { $p = $o.PSObject.Properties[$n]; if ($p) { $p.Value } else { $null } }
$apps = @(foreach ($path in @('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*')) {
  Get-ItemProperty $path -ErrorAction SilentlyContinue | Where-Object { (Prop $_ 'DisplayName') -and -not (Prop $_ 'SystemComponent') } | ForEach-Object {
    [pscustomobject]@{ name = [string](Prop $_ 'DisplayName'); version = [string](Prop $_ 'DisplayVersion'); publisher = [string](Prop $_ 'Publisher'); x86 = ($path -like '*WOW6432Node*') }
  }
})
[pscustomobject]@{ hotfixes = $hotfixes; apps = $apps } | ConvertTo-Json -Depth 4 -Compress
`;

/**
 * The worker the SYSTEM task runs. The task's bootstrap sets $PwTaskDir (the run's protected folder, where it
 * writes result.json) and $PwInput (its input as JSON). A failed COM call reaches PowerShell as a
 * MethodInvocationException around the COMException that carries Windows Update's HRESULT: the innermost
 * exception is the one to report. An update whose download fails is reported with its download result and not
 * handed to the installer (which would only say it needs downloading again).
 */
export const WUA_WORKER_SCRIPT = `${MARKER}wua-worker
$ErrorActionPreference = 'Stop'
$in = ConvertFrom-Json $PwInput
$outFile = Join-Path $PwTaskDir 'result.json'
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
function Result($u, [string]$stage, $r) {
  [pscustomobject]@{ updateId = [string]$u.Identity.UpdateID; kbs = @($u.KBArticleIDs | ForEach-Object { 'KB' + $_ }); stage = $stage; resultCode = [int]$r.ResultCode; hresult = [int]$r.HResult; rebootRequired = ($stage -eq 'install' -and [bool]$r.RebootRequired) }
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
      $downloader = $session.CreateUpdateDownloader(); $downloader.Updates = $coll; $dr = $downloader.Download()
      $ready = New-Object -ComObject Microsoft.Update.UpdateColl
      for ($i = 0; $i -lt $coll.Count; $i++) {
        $r = $dr.GetUpdateResult($i)
        if ([int]$r.ResultCode -eq 2 -or [int]$r.ResultCode -eq 3) { [void]$ready.Add($coll.Item($i)) } else { $results += Result $coll.Item($i) 'download' $r }
      }
      if ($ready.Count -gt 0) {
        $installer = $session.CreateUpdateInstaller(); $installer.Updates = $ready; $ir = $installer.Install()
        $reboot = [bool]$ir.RebootRequired
        for ($i = 0; $i -lt $ready.Count; $i++) { $results += Result $ready.Item($i) 'install' $ir.GetUpdateResult($i) }
      }
    }
    $res = [pscustomobject]@{ op = 'install'; results = $results; missing = $missing; rebootRequired = $reboot }
  }
} catch {
  $e = $_.Exception
  while ($e.InnerException) { $e = $e.InnerException }
  $res = [pscustomobject]@{ op = [string]$in.op; error = [string]$e.Message; hresult = [int]$e.HResult }
}
$res | ConvertTo-Json -Depth 6 -Compress | Set-Content -Path $outFile -Encoding UTF8
`;

/**
 * winget as SYSTEM: the App Installer's winget.exe is found under WindowsApps (SYSTEM has no alias for it),
 * upgrades are listed (winget prints a table only) or one package is upgraded to an exact version in machine
 * scope. Input: { op: 'winget-list' } or { op: 'winget-upgrade', id, version }. winget writes UTF-8 when its
 * output is redirected; PowerShell decodes a native program's output with [Console]::OutputEncoding, the OEM
 * code page unless set, which turns every non-ASCII name into mojibake.
 */
export const WINGET_WORKER_SCRIPT = `${MARKER}winget-worker
$ErrorActionPreference = 'Stop'
$in = ConvertFrom-Json $PwInput
$outFile = Join-Path $PwTaskDir 'result.json'
try {
  [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false)
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
  $e = $_.Exception
  while ($e.InnerException) { $e = $e.InnerException }
  $res = [pscustomobject]@{ op = [string]$in.op; error = [string]$e.Message; hresult = [int]$e.HResult }
}
$res | ConvertTo-Json -Depth 6 -Compress | Set-Content -Path $outFile -Encoding UTF8
`;

/**
 * Registers, runs, polls and removes the SYSTEM task (see the design at the top of this file).
 * Data: { id, worker, input, timeoutSeconds }. Prints { status: 'done' | 'timed-out' | 'no-result' | 'refused' }.
 */
export const WUA_TASK_SCRIPT = `${MARKER}wua-task
${PRELUDE_NOTE}
$D = ConvertFrom-Json @($PwArgs)[0]
$id = [string]$D.id
if ($id -notmatch '^[0-9a-f]{16}$') { throw 'The task id must be 16 hexadecimal digits' }
$name = 'Patchwell-' + $id
$trusted = @('S-1-5-18', 'S-1-5-32-544')
function Get-Unsafe([string]$dir) {
  if (((Get-Item -LiteralPath $dir -Force).Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { return 'it is a link to another place' }
  $acl = Get-Acl -LiteralPath $dir
  $owner = [string]$acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
  if ($trusted -notcontains $owner) { return 'it is owned by ' + $owner + ', not by SYSTEM or Administrators' }
  if (-not $acl.AreAccessRulesProtected) { return 'it inherits permissions from its parent folder' }
  foreach ($r in @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]))) {
    if ([string]$r.AccessControlType -eq 'Allow' -and $trusted -notcontains [string]$r.IdentityReference.Value) { return 'it grants ' + [string]$r.FileSystemRights + ' to ' + [string]$r.IdentityReference.Value }
  }
  $null
}
function New-ProtectedDir([string]$dir) {
  New-Item -ItemType Directory -Path $dir | Out-Null
  $acl = New-Object System.Security.AccessControl.DirectorySecurity
  $acl.SetOwner((New-Object System.Security.Principal.SecurityIdentifier('S-1-5-32-544')))
  $acl.SetAccessRuleProtection($true, $false)
  foreach ($sid in $trusted) {
    $who = New-Object System.Security.Principal.SecurityIdentifier($sid)
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
  }
  Set-Acl -LiteralPath $dir -AclObject $acl
}
$base = Join-Path $env:ProgramData 'Patchwell'
if (-not (Test-Path -LiteralPath $base)) { New-ProtectedDir $base }
$why = Get-Unsafe $base
if ($why) { [pscustomobject]@{ status = 'refused'; task = $name; reason = $base + ' is not safe for a SYSTEM task: ' + $why } | ConvertTo-Json -Compress; return }
$dir = Join-Path $base $id
$outFile = Join-Path $dir 'result.json'
$path = '\\Patchwell\\'
$registered = $false
try {
  New-ProtectedDir $dir
  $why = Get-Unsafe $dir
  if ($why) { [pscustomobject]@{ status = 'refused'; task = $name; reason = $dir + ' is not safe for a SYSTEM task: ' + $why } | ConvertTo-Json -Compress; return }
  $b64 = { param($t) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([string]$t)) }
  $decode = { param($b) "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + $b + "'))" }
  $boot = "\`$PwTaskDir = " + (& $decode (& $b64 $dir)) + "; \`$PwInput = " + (& $decode (& $b64 ($D.input | ConvertTo-Json -Depth 6 -Compress))) + "; & ([scriptblock]::Create(" + (& $decode (& $b64 $D.worker)) + "))"
  $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($boot))
  $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
  $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
  $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -ExecutionTimeLimit (New-TimeSpan -Seconds ([int]$D.timeoutSeconds + 60))
  Register-ScheduledTask -TaskName $name -TaskPath $path -Action $action -Principal $principal -Settings $settings -Force | Out-Null
  $registered = $true
  Start-ScheduledTask -TaskName $name -TaskPath $path
  $deadline = (Get-Date).AddSeconds([int]$D.timeoutSeconds)
  do { Start-Sleep -Seconds 2; $state = [string](Get-ScheduledTask -TaskName $name -TaskPath $path).State } while ($state -eq 'Running' -and (Get-Date) -lt $deadline)
  if ($state -eq 'Running') {
    Stop-ScheduledTask -TaskName $name -TaskPath $path
    [pscustomobject]@{ status = 'timed-out'; task = $name; seconds = [int]$D.timeoutSeconds } | ConvertTo-Json -Compress
  } elseif (-not (Test-Path -LiteralPath $outFile)) {
    $info = Get-ScheduledTaskInfo -TaskName $name -TaskPath $path
    [pscustomobject]@{ status = 'no-result'; task = $name; lastTaskResult = [int64]$info.LastTaskResult } | ConvertTo-Json -Compress
  } else {
    [pscustomobject]@{ status = 'done'; task = $name; result = (Get-Content -Raw -LiteralPath $outFile | ConvertFrom-Json) } | ConvertTo-Json -Depth 8 -Compress
  }
} finally {
  if ($registered) { Unregister-ScheduledTask -TaskName $name -TaskPath $path -Confirm:$false -ErrorAction SilentlyContinue }
  if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }
}
`;

/** Data: { description }. Client editions only; says when Windows made no new point (one per 24 hours). */
export const RESTORE_POINT_SCRIPT = `${MARKER}restore-point
${PRELUDE_NOTE}
$D = ConvertFrom-Json @($PwArgs)[0]
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
if ($before) {
  # CreationTime is a WMI (DMTF) time, 20261122100000.000000-000: shown as 2026-11-22 10:00.
  $at = [string]$before.CreationTime
  if ($at -match '^(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})') { $at = $Matches[1] + '-' + $Matches[2] + '-' + $Matches[3] + ' ' + $Matches[4] + ':' + $Matches[5] }
  $prev = [pscustomobject]@{ sequence = [int]$before.SequenceNumber; description = [string]$before.Description; created = $at }
}
$seq = $null
if ($new) { $seq = [int]$after.SequenceNumber }
$why = $null
if (-not $new) { $why = 'frequency' }
[pscustomobject]@{ created = [bool]$new; sequence = $seq; reason = $why; previous = $prev; message = (@($warn) -join ' ') } | ConvertTo-Json -Depth 4 -Compress
`;

/**
 * Data: { kb }. Removes one KB: through DISM's package (Remove-WindowsPackage) when one carries the KB number,
 * else wusa /uninstall; never restarts. A cumulative update's package is not named by its KB
 * (Package_for_RollupFix~…~<build>.<UBR>…): its detail's description ("Fix for KB…") names it, and wusa cannot
 * remove it. Combined servicing-stack packages are refused by DISM (permanent).
 */
export const REMOVE_KB_SCRIPT = `${MARKER}remove-kb
${PRELUDE_NOTE}
$D = ConvertFrom-Json @($PwArgs)[0]
$kb = [string]$D.kb
if ($kb -notmatch '^KB[0-9]{6,8}$') { throw 'A KB id is KB and 6 to 8 digits' }
$num = $kb.Substring(2)
$all = @(Get-WindowsPackage -Online -ErrorAction SilentlyContinue | Where-Object { [string]$_.PackageState -eq 'Installed' })
$pkg = @($all | Where-Object { $_.PackageName -like ('*_for_KB' + $num + '~*') }) | Select-Object -First 1
if (-not $pkg) {
  foreach ($c in @($all | Where-Object { $_.PackageName -like 'Package_for_RollupFix~*' -or $_.PackageName -like 'Package_for_DotNetRollup*' })) {
    $detail = Get-WindowsPackage -Online -PackageName $c.PackageName
    if ([string]$detail.Description -match ('\\bKB' + $num + '\\b')) { $pkg = $c; break }
  }
}
if ($pkg) {
  try {
    $r = Remove-WindowsPackage -Online -PackageName $pkg.PackageName -NoRestart
    [pscustomobject]@{ kb = $kb; via = 'dism'; package = [string]$pkg.PackageName; exitCode = 0; rebootRequired = [bool]$r.RestartNeeded } | ConvertTo-Json -Compress
  } catch {
    $e = $_.Exception
    while ($e.InnerException) { $e = $e.InnerException }
    [pscustomobject]@{ kb = $kb; via = 'dism'; package = [string]$pkg.PackageName; exitCode = [int64]$e.HResult; message = [string]$e.Message; rebootRequired = $false } | ConvertTo-Json -Compress
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
