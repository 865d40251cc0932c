/**
 * Starts one headless Chromium for printing, hardened the same way wherever it is started (for a report, or ahead
 * of one by the warm holder): the flags of a one-off `chromium --headless --print-to-pdf`, the network off (a proxy
 * that goes nowhere), and a fresh profile folder of its own that is removed once it exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumPipe } from './chromium-pipe';

export interface LaunchedChromium {
  readonly binary: string;
  readonly pipe: ChromiumPipe;
  readonly profile: string;
}

export function launchChromium(binary: string): LaunchedChromium {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-pdf-'));
  const pipe = new ChromiumPipe(binary, [
    '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-extensions', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
    // Chromium refuses to run as root with its sandbox on.
    `--user-data-dir=${profile}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), 'about:blank',
  ]);
  // Removed however it ends (closed, killed, crashed): a profile is never reused.
  void pipe.exited.then(() => fs.rmSync(profile, { recursive: true, force: true }));
  return { binary, pipe, profile };
}

/** Ends it (politely, then by signal) and removes its profile folder before resolving. */
export async function endChromium(c: LaunchedChromium): Promise<void> {
  await c.pipe.close();
  fs.rmSync(c.profile, { recursive: true, force: true });
}

/** A page opened in a Chromium, attached and with its page events on: ready to navigate and print. */
export interface OpenedPage {
  targetId: string;
  sessionId: string;
}

/** Opens a blank page; one that cannot be made ready is closed again before the error is passed on. */
export async function openPage(pipe: ChromiumPipe): Promise<OpenedPage> {
  const { targetId } = (await pipe.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
  try {
    const { sessionId } = (await pipe.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    await pipe.send('Page.enable', {}, sessionId);
    return { targetId, sessionId };
  } catch (e) {
    void pipe.send('Target.closeTarget', { targetId }).catch(() => undefined);
    throw e;
  }
}
