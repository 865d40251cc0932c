# One PowerShell serving the simulated machines of a test process: each request is one command line Patchwell
# sent to powershell.exe (-NoProfile -NonInteractive -EncodedCommand <base64 of UTF-16LE>) with the stdin it
# sent (OpenSSH), run in a fresh runspace as a fresh powershell.exe would be, with the stand-ins imported,
# StrictMode Latest and errors stopping. The machine's state is saved whatever happens. Requests and replies
# are one JSON line each; replies go straight to the standard output stream, which scripts cannot re-encode.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$requests = [Console]::In
$replies = [Console]::OpenStandardOutput()
$module = Join-Path $PSScriptRoot 'Patchwell.WindowsStandins.psm1'
$runner = {
  param([string]$ModulePath, [string]$Text)
  Set-StrictMode -Version Latest
  $ErrorActionPreference = 'Stop'
  Import-Module $ModulePath
  try { & ([scriptblock]::Create($Text)) | Out-String -Stream -Width 4096 } finally { Save-StandinState }
}
$hello = [Text.Encoding]::ASCII.GetBytes((@{ version = $PSVersionTable.PSVersion.ToString() } | ConvertTo-Json -Compress) + "`n")
$replies.Write($hello, 0, $hello.Length)
$replies.Flush()
while ($null -ne ($line = $requests.ReadLine())) {
  $req = $line | ConvertFrom-Json
  foreach ($p in $req.env.PSObject.Properties) { [Environment]::SetEnvironmentVariable($p.Name, [string]$p.Value) }
  $code = 0
  $err = ''
  $out = ''
  $rs = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
  $rs.Open()
  $ps = [powershell]::Create()
  $ps.Runspace = $rs
  try {
    [Console]::SetIn([IO.StringReader]::new([string]$req.stdin))
    $text = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String([string]$req.encoded))
    [void]$ps.AddScript($runner.ToString()).AddArgument($module).AddArgument($text)
    $lines = @($ps.Invoke() | ForEach-Object { [string]$_ })
    $out = ($lines | ForEach-Object { $_ + "`n" }) -join ''
    if ($ps.HadErrors -and $ps.Streams.Error.Count -gt 0) { $err = ($ps.Streams.Error | ForEach-Object { [string]$_ + "`n" + $_.InvocationInfo.PositionMessage }) -join "`n" }
  } catch {
    $code = 1
    $e = $_.Exception
    while ($e -is [System.Management.Automation.MethodInvocationException] -and $e.InnerException) { $e = $e.InnerException }
    $rec = $(if ($e -is [System.Management.Automation.IContainsErrorRecord]) { $e.ErrorRecord } else { $null })
    $err = $e.Message + $(if ($rec) { "`n" + $rec.InvocationInfo.PositionMessage } else { '' })
  } finally {
    # A native console encodes what the script printed with the output code page the script left set.
    $bytes = [Console]::OutputEncoding.GetBytes($out)
    $ps.Dispose()
    $rs.Dispose()
  }
  $reply = [ordered]@{ stdout = [Convert]::ToBase64String($bytes); stderr = $err; exitCode = $code } | ConvertTo-Json -Compress -EscapeHandling EscapeNonAscii
  $data = [Text.Encoding]::ASCII.GetBytes($reply + "`n")
  $replies.Write($data, 0, $data.Length)
  $replies.Flush()
}
