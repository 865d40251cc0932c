/**
 * The Chromium started when the Reports page opens: one at most, taken over by the next report (which ends it),
 * closed when idle (on a timer the test fires itself) and when the core shuts down; a report whose warm Chromium
 * was killed prints in one of its own. Real Chromium throughout: the system's, as the headless host uses it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core';
import { openDatabase } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { chromiumPrinter, findChromium } from './pdf';
import { generateReport } from './report-files';
import { WarmChromium, type IdleTimers } from './warm-chromium';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
const period = { from: NOW - 30 * DAY, to: NOW };
const made: string[] = [];
const tmp = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-warm-chromium-'));
  made.push(dir);
  return dir;
};

/** Timers that only fire when the test says so. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const timers: IdleTimers = {
    set: (fn, ms) => (pending.set(next, { fn, ms }), next++),
    clear: (handle) => pending.delete(handle as number),
  };
  const fireAll = (): void => {
    const due = [...pending.values()];
    pending.clear();
    for (const t of due) t.fn();
  };
  return { timers, pending, fireAll };
}

function seededDb() {
  const db = openDatabase(':memory:');
  insertHost(db, { address: '127.0.0.2', displayName: 'front-desk' });
  return db;
}

const pdfHead = (file: string): string => fs.readFileSync(file).subarray(0, 5).toString();

const chromium = findChromium();
const holders: WarmChromium[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) await h.close();
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!chromium)(`a warm Chromium (skipped here: no Chromium at /usr/bin/chromium and no PATCHWELL_CHROMIUM)`, () => {
  it('starts one when prepared, keeps that one on the next prepare, and closes it when idle', async () => {
    const clock = manualTimers();
    const warm = new WarmChromium({ idleMs: 60_000, timers: clock.timers });
    holders.push(warm);
    expect(warm.prepare(chromium!)).toBe(true);
    const held = warm.current!;
    expect(await held.pipe.send('Browser.getVersion')).toHaveProperty('product');
    expect(fs.existsSync(held.profile)).toBe(true);

    // Prepared again (the page opened twice): the same process, its idle time counted afresh.
    expect(warm.prepare(chromium!)).toBe(true);
    expect(warm.current).toBe(held);
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([60_000]);

    clock.fireAll();
    await held.pipe.exited;
    expect(warm.current).toBeNull();
    expect(held.pipe.alive).toBe(false);
    // Its profile folder goes with it.
    await expect.poll(() => fs.existsSync(held.profile)).toBe(false);
  }, 60_000);

  it("is taken over by the next report, which prints both PDFs in it and ends it", async () => {
    const clock = manualTimers();
    const warm = new WarmChromium({ timers: clock.timers });
    holders.push(warm);
    warm.prepare(chromium!);
    const held = warm.current!;
    // The page opened ahead is where the summary is loaded and printed.
    const opened = (await held.opened)!;
    expect(opened.sessionId).toBeTruthy();
    let loadsInOpened = 0;
    held.pipe.on('Page.loadEventFired', (_p, sid) => sid === opened.sessionId && loadsInOpened++);

    const dir = tmp();
    const m = await generateReport(seededDb(), dir, { period, now: NOW, printer: chromiumPrinter(chromium!, warm) });
    expect(loadsInOpened).toBe(1);
    expect(m.pdfs).toMatchObject({ summary: { state: 'ready' }, full: { state: 'ready' } });
    for (const f of ['summary.pdf', 'report.pdf']) expect(pdfHead(path.join(dir, 'reports', m.id, f))).toBe('%PDF-');
    // Taken: the holder no longer has it nor times it, and the report's end ended it (the idle timer never fired).
    expect(warm.current).toBeNull();
    expect(clock.pending.size).toBe(0);
    await held.pipe.exited;
    expect(held.pipe.alive).toBe(false);
  }, 120_000);

  it('a report whose warm Chromium was killed prints in one of its own, whether or not its death was seen yet', async () => {
    const warm = new WarmChromium({ timers: manualTimers().timers });
    holders.push(warm);
    for (const seen of [false, true]) {
      warm.prepare(chromium!);
      const held = warm.current!;
      await held.pipe.send('Browser.getVersion');
      process.kill(held.pipe.pid!, 'SIGKILL');
      // Seen: the holder has forgotten it and the report starts its own. Not seen: the report takes a dead one.
      if (seen) {
        await held.pipe.exited;
        expect(warm.current).toBeNull();
      } else expect(warm.current).toBe(held);
      const dir = tmp();
      const m = await generateReport(seededDb(), dir, { period, now: NOW, printer: chromiumPrinter(chromium!, warm) });
      expect({ seen, pdfs: m.pdfs }).toMatchObject({ seen, pdfs: { summary: { state: 'ready', error: null }, full: { state: 'ready', error: null } } });
      expect(pdfHead(path.join(dir, 'reports', m.id, 'summary.pdf'))).toBe('%PDF-');
      await held.pipe.exited;
      await expect.poll(() => fs.existsSync(held.profile)).toBe(false);
    }
  }, 180_000);

  it('never prepared: the report starts its own Chromium, as before', async () => {
    const warm = new WarmChromium({ timers: manualTimers().timers });
    holders.push(warm);
    const dir = tmp();
    const m = await generateReport(seededDb(), dir, { period, now: NOW, printer: chromiumPrinter(chromium!, warm) });
    expect(m.pdfs).toMatchObject({ summary: { state: 'ready' }, full: { state: 'ready' } });
    expect(warm.current).toBeNull();
  }, 120_000);
});

describe.skipIf(!chromium)(`'reports/prepare' (skipped here: no Chromium at /usr/bin/chromium and no PATCHWELL_CHROMIUM)`, () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });

  it('starts the warm Chromium, and the core ends it when it shuts down; none is started after', async () => {
    core = createCore({ dataDir: tmp(), runtime: 'browser', checkResults: true, scheduler: false, throttleMs: 0, warmChromium: { timers: manualTimers().timers } });
    const warm = core.services.warmChromium!;
    expect(await core.call('reports/prepare')).toEqual({ warm: true });
    const held = warm.current!;
    expect(await core.call('reports/prepare')).toEqual({ warm: true });
    expect(warm.current).toBe(held);
    await core.close();
    core = null;
    expect(held.pipe.alive).toBe(false);
    expect(fs.existsSync(held.profile)).toBe(false);
    expect(warm.prepare(chromium!)).toBe(false);
    expect(warm.current).toBeNull();
  }, 60_000);
});

describe("'reports/prepare' where reports print another way", () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });

  it('starts nothing when the core was given its printer (the desktop app prints with Electron)', async () => {
    const printer = { name: 'app', print: async () => undefined };
    core = createCore({ dataDir: tmp(), runtime: 'electron', checkResults: true, scheduler: false, throttleMs: 0, pdfPrinter: printer });
    expect(await core.call('reports/prepare')).toEqual({ warm: false });
    expect(core.services.warmChromium).toBeUndefined();
  });
});
