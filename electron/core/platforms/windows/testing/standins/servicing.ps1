# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- Servicing: DISM's cmdlets (https://learn.microsoft.com/en-us/powershell/module/dism/get-windowspackage) and
#     wusa.exe (https://support.microsoft.com/help/934307). A cumulative update's package is named RollupFix,
#     not by its KB; its detail (Get-WindowsPackage -PackageName) says "Fix for KB…". ---
function Get-PackageOf($Hotfix) {
  $num = ([string]$Hotfix.kb).Substring(2)
  switch ([string]$Hotfix.package) {
    # Each cumulative update has its own build revision in its name; the KB is not in it.
    'rollup' { 'Package_for_RollupFix~31bf3856ad364e35~amd64~~' + $script:S.build + '.' + ([int]$num % 9000 + 1000) + '.1.7' }
    'kb' { 'Package_for_KB' + $num + '~31bf3856ad364e35~amd64~~10.0.1.2' }
    default { $null }
  }
}

function Get-WindowsPackage {
  [CmdletBinding()] param([switch]$Online, [string]$PackageName)
  if (-not $Online) { throw 'The stand-ins model only -Online' }
  $rows = foreach ($h in @($script:S.hotfixes)) {
    $n = Get-PackageOf $h
    if ($n) { [pscustomobject]@{ PackageName = $n; PackageState = 'Installed'; ReleaseType = 'SecurityUpdate'; Description = 'Fix for ' + $h.kb; InstallTime = '10/15/2026 3:12:00 AM' } }
  }
  $rows = @($rows) + @([pscustomobject]@{ PackageName = 'Package_for_ServicingStack_3870~31bf3856ad364e35~amd64~~22631.3870.1.1'; PackageState = 'Installed'; ReleaseType = 'Update'; Description = 'Fix for KB5039895'; InstallTime = '7/9/2026 3:00:00 AM' })
  if ($PackageName) {
    $one = @($rows | Where-Object { $_.PackageName -eq $PackageName })
    if ($one.Count -eq 0) { Throw-Com 'The specified package is not valid Windows package.' 0x800F080C }
    return $one[0]
  }
  # The list form carries names and states only, as DISM's /Get-Packages does.
  $rows | ForEach-Object { [pscustomobject]@{ PackageName = $_.PackageName; PackageState = $_.PackageState; ReleaseType = $_.ReleaseType; InstallTime = $_.InstallTime } }
}

function Remove-HotfixState([string]$Kb) {
  $script:S.hotfixes = @($script:S.hotfixes | Where-Object { $_.kb -ne $Kb })
  $u = @($script:S.installedUpdates | Where-Object { @($_.kbs) -contains $Kb }) | Select-Object -First 1
  if ($u) {
    $script:S.installedUpdates = @($script:S.installedUpdates | Where-Object { $_.updateId -ne $u.updateId })
    $script:S.pending += @($u)
  }
  $script:S.reboot.cbs = $true
}

function Remove-WindowsPackage {
  [CmdletBinding()] param([switch]$Online, [Parameter(Mandatory)][string]$PackageName, [switch]$NoRestart)
  if (-not $Online -or -not $NoRestart) { throw 'Patchwell removes packages online and never restarts' }
  $h = @($script:S.hotfixes | Where-Object { (Get-PackageOf $_) -eq $PackageName }) | Select-Object -First 1
  if (-not $h) { Throw-Com 'The specified package is not valid Windows package.' 0x800F080C }
  if (@($script:S.permanent) -contains $h.kb) { Throw-Com 'The specified package cannot be uninstalled.' 0x800F0825 }
  Remove-HotfixState ([string]$h.kb)
  Add-StandinEvent ('dism remove ' + $PackageName)
  [pscustomobject]@{ Online = $true; RestartNeeded = $true; LogPath = 'C:\Windows\Logs\DISM\dism.log' }
}

function Invoke-Wusa([string[]]$Arguments) {
  $kbArg = @($Arguments | Where-Object { $_ -like '/kb:*' })
  if (@($Arguments)[0] -ne '/uninstall' -or $kbArg.Count -ne 1 -or $Arguments -notcontains '/quiet' -or $Arguments -notcontains '/norestart') { return 87 }
  $kb = 'KB' + $kbArg[0].Substring(4)
  Add-StandinEvent ('wusa ' + ($Arguments -join ' '))
  $h = @($script:S.hotfixes | Where-Object { $_.kb -eq $kb }) | Select-Object -First 1
  if (-not $h) { return 0x240007 }
  # wusa cannot remove a combined servicing-stack and cumulative update (a RollupFix): only DISM can.
  if ([string]$h.package -eq 'rollup' -or @($script:S.permanent) -contains $kb) { return 0x80070057 }
  Remove-HotfixState $kb
  3010
}

function Start-Process {
  [CmdletBinding()] param([Parameter(Mandatory, Position = 0)][string]$FilePath, [Parameter(Position = 1)][string[]]$ArgumentList, [switch]$Wait, [switch]$PassThru, [switch]$NoNewWindow)
  $wusa = Join-Path $env:SystemRoot 'System32\wusa.exe'
  if ($FilePath -ne $wusa) { throw "Start-Process: the simulated machine has no program $FilePath" }
  if (-not $Wait) { throw 'Patchwell waits for wusa' }
  $code = Invoke-Wusa $ArgumentList
  if ($PassThru) { [pscustomobject]@{ ExitCode = [int](Get-SignedHResult $code); HasExited = $true } }
}
Set-Item -Path 'function:global:wusa.exe' -Value { $global:LASTEXITCODE = Get-SignedHResult (Invoke-Wusa $args) }

function Invoke-Dism {
  # dism.exe /Online /Remove-Package /PackageName:<n> /Quiet /NoRestart; exit codes are HRESULTs, 3010 for a restart.
  $argsList = @($args)
  $name = @($argsList | Where-Object { $_ -like '/PackageName:*' }) | ForEach-Object { $_.Substring(13) } | Select-Object -First 1
  if ($argsList -notcontains '/Online' -or $argsList -notcontains '/Remove-Package' -or -not $name) { $global:LASTEXITCODE = 87; return 'Error: 87' }
  try { [void](Remove-WindowsPackage -Online -PackageName $name -NoRestart); $global:LASTEXITCODE = 3010; 'The operation completed successfully.' }
  catch { $global:LASTEXITCODE = [int]$_.Exception.HResult; 'Error: ' + $_.Exception.Message }
}
Set-Item -Path 'function:global:dism.exe' -Value { Invoke-Dism @args }
