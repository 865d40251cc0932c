@echo off
rem patchwell: the command line of the installed Patchwell. Add this folder to PATH to type `patchwell`.
rem It runs the app's own binary in command-line mode, so the CLI uses the native modules built for it.
"%~dp0..\..\Patchwell.exe" --no-sandbox --ozone-platform=headless --disable-gpu --cli %*
exit /b %ERRORLEVEL%
