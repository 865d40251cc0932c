# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- winget.exe (App Installer, under WindowsApps; https://learn.microsoft.com/en-us/windows/package-manager/winget/upgrade).
#     Its output reaches PowerShell through [Console]::OutputEncoding, as a native program's does. ---
function ConvertFrom-NativeOutput([string]$Line) { [Console]::OutputEncoding.GetString([Text.Encoding]::UTF8.GetBytes($Line)) }

function Get-DisplayWidth([string]$Text) {
  $w = 0
  foreach ($ch in $Text.ToCharArray()) { $w += $(if ([int]$ch -ge 0x1100 -and ([int]$ch -le 0x115F -or ([int]$ch -ge 0x2E80 -and [int]$ch -le 0xA4CF) -or ([int]$ch -ge 0xAC00 -and [int]$ch -le 0xD7A3) -or ([int]$ch -ge 0xF900 -and [int]$ch -le 0xFAFF) -or ([int]$ch -ge 0xFF00 -and [int]$ch -le 0xFF60))) { 2 } else { 1 }) }
  $w
}

function Format-WingetCell([string]$Text, [int]$Width) { $Text + (' ' * [Math]::Max(1, $Width - (Get-DisplayWidth $Text) + 1)) }

function Invoke-Winget {
  $a = @($args)
  $out = [System.Collections.Generic.List[string]]::new()
  if ($a[0] -ne 'upgrade') { $global:LASTEXITCODE = Get-SignedHResult 0x8A150002; return 'Unrecognized command' }
  if ($a -notcontains '--accept-source-agreements' -or $a -notcontains '--disable-interactivity') { $global:LASTEXITCODE = Get-SignedHResult 0x8A15000F; return 'Source agreements were not accepted.' }
  $out.Add("   - `r   \ `r")
  if ($a.Count -le 3) {
    $rows = @($script:S.appUpgrades | ForEach-Object { , @([string]$_.name, [string]$_.id, [string]$_.installed, [string]$_.available, 'winget') })
    $heads = @('Name', 'Id', 'Version', 'Available', 'Source')
    $widths = foreach ($i in 0..3) { [Math]::Max((Get-DisplayWidth $heads[$i]), (@($rows | ForEach-Object { Get-DisplayWidth $_[$i] }) + 0 | Measure-Object -Maximum).Maximum) }
    $line = { param($cells) (-join (0..3 | ForEach-Object { Format-WingetCell $cells[$_] $widths[$_] })) + $cells[4] }
    $out.Add((& $line $heads))
    $out.Add('-' * (($widths | Measure-Object -Sum).Sum + 10))
    foreach ($r in $rows) { $out.Add((& $line $r)) }
    if ($rows.Count) { $out.Add("$($rows.Count) upgrade$(if ($rows.Count -ne 1) { 's' }) available.") } else { $out.Add('No installed package found matching input criteria.') }
    $global:LASTEXITCODE = $(if ($rows.Count) { 0 } else { Get-SignedHResult 0x8A15002B })
  } else {
    $id = $a[[Array]::IndexOf($a, '--id') + 1]
    $version = $a[[Array]::IndexOf($a, '--version') + 1]
    if ($a -notcontains '--exact' -or $a -notcontains '--silent' -or $a[[Array]::IndexOf($a, '--scope') + 1] -ne 'machine' -or $a -notcontains '--accept-package-agreements') { $global:LASTEXITCODE = 87; return 'Bad arguments' }
    $app = @($script:S.appUpgrades | Where-Object { $_.id -eq $id -and $_.available -eq $version }) | Select-Object -First 1
    if (-not $app) { $out.Add('No package found matching input criteria.'); $global:LASTEXITCODE = Get-SignedHResult 0x8A150014 }
    elseif ($null -ne $app['failWith']) { $out.Add('Installer failed with exit code: 1603'); $global:LASTEXITCODE = Get-SignedHResult ([int64]$app['failWith']) }
    else {
      $script:S.appUpgrades = @($script:S.appUpgrades | Where-Object { $_.id -ne $id })
      foreach ($x in @($script:S.apps | Where-Object { $_.name -eq $app.name })) { $x.version = $version }
      $out.Add('Found ' + $app.name + ' [' + $app.id + '] Version ' + $version)
      $out.Add('Successfully installed')
      $global:LASTEXITCODE = 0
    }
  }
  Add-StandinEvent ('winget ' + ($a -join ' '))
  foreach ($l in $out) { ConvertFrom-NativeOutput $l }
}

$wingetPath = Join-Path $env:ProgramFiles 'WindowsApps/Microsoft.DesktopAppInstaller_1.24.25200.0_x64__8wekyb3d8bbwe/winget.exe'
if (-not $script:S.winget -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $wingetPath)) { Remove-Item -LiteralPath (Split-Path $wingetPath) -Recurse -Force }
if ($script:S.winget) {
  $null = New-Item -ItemType Directory -Force -Path (Split-Path $wingetPath)
  if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $wingetPath)) { Set-Content -LiteralPath $wingetPath -Value 'MZ' }
  $null = New-Item -Path Function: -Name ('global:' + $wingetPath) -Value { Invoke-Winget @args } -Force
}
