// The runtime split is enforced by lint; this proves the rule fires, so a config change cannot quietly drop it.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('runtime boundary lint rules', () => {
  it('fails a renderer file importing electron, node:* or the core', async () => {
    expect(await restricted('renderer/src/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/probe.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/probe.ts', "import fs from 'fs';\nexport const x = fs;\n")).toHaveLength(1);
    expect(
      (await restricted('renderer/src/probe.ts', "import { createCore } from '../../electron/core/core';\nexport const x = createCore;\n")).length,
    ).toBeGreaterThan(0);
  });

  it('fails a core file importing electron', async () => {
    expect(await restricted('electron/core/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(1);
  });

  it('lets the renderer import the shared contract', async () => {
    expect(await restricted('renderer/src/probe.ts', "import { calls } from '../../shared/contract';\nexport const x = calls;\n")).toEqual([]);
  });
});
