import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode } from '../helpers/process.ts';

/**
 * Standard output is written in batches (src/observability/logger.ts): a line must still come out within the batch
 * interval while the process runs, and at once when it ends — normally, by process.exit, or by an uncaught exception.
 */
function script(body: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-log-'));
  const file = path.join(dir, 'run.ts');
  writeFileSync(file, `import { createLogger } from ${JSON.stringify(path.join(ROOT, 'src/observability/logger.ts'))};\nconst log = createLogger('info');\n${body}\n`);
  return file;
}

const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });

describe('the batched stdout log', () => {
  for (const [how, end] of [
    ['ends normally', ''],
    ['calls process.exit', 'setTimeout(() => process.exit(3), 5);'],
    ['throws an uncaught exception', "setTimeout(() => { throw new Error('boom'); }, 5);"],
  ] as const) {
    it(`writes every pending line when the process ${how}`, async () => {
      const result = await runNode([script(`for (let i = 0; i < 3; i++) log.info({ i }, 'line ' + i);\n${end}`)], { cwd: ROOT, env: process.env });
      expect(lines(result.stdout).map((l) => l.msg)).toEqual(['line 0', 'line 1', 'line 2']);
    });
  }

  it('writes a lone line while the process keeps running, not only when it ends', async () => {
    // The child says on stderr when it logged, and exits 3 s later: the line must reach us well before that.
    const file = script(`log.info('lone line');\nprocess.stderr.write('logged\\n');\nsetTimeout(() => process.exit(0), 3000);`);
    const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const logged = new Promise<number>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('logged') && resolve(Date.now())));
    const written = new Promise<number>((resolve) => child.stdout.once('data', () => resolve(Date.now())));
    const [at, out] = await Promise.all([logged, written]);
    await new Promise((r) => child.once('exit', r));
    expect(out - at).toBeLessThan(2_000);
  });
});
