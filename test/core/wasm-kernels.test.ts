/**
 * The WebAssembly kernels are embedded as bytes (scripts/build-wasm.sh); each must be its .wat
 * source assembled, so that reading the source tells what runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { root } from '../helpers/index.js';
import { WORD_SCAN_KERNEL_WASM } from '../../src/models/fasttext/word-scan-kernel.js';
import { MINHASH_KERNEL_WASM } from '../../src/stages/dedup/minhash-kernel.js';
import { CHUNK_SCAN_KERNEL_WASM } from '../../src/stages/quality/tokenizer/chunk-scan-kernel.js';
import { WORD_IDS_KERNEL_WASM } from '../../src/stages/quality/rules/word-ids-kernel.js';
import { TEXT_SEARCH_KERNEL_WASM } from '../../src/stages/quality/rules/text-search-kernel.js';

const KERNELS: [string, string][] = [
  ['src/stages/dedup/minhash-kernel.wat', MINHASH_KERNEL_WASM],
  ['src/models/fasttext/word-scan.wat', WORD_SCAN_KERNEL_WASM],
  ['src/stages/quality/tokenizer/chunk-scan.wat', CHUNK_SCAN_KERNEL_WASM],
  ['src/stages/quality/rules/word-ids.wat', WORD_IDS_KERNEL_WASM],
  ['src/stages/quality/rules/text-search.wat', TEXT_SEARCH_KERNEL_WASM],
];

test('each embedded kernel is its .wat assembled (checked where wat2wasm is installed)', (t) => {
  let wat2wasm: string;
  try {
    wat2wasm = execFileSync('sh', ['-c', 'command -v wat2wasm'], { encoding: 'utf8' }).trim();
  } catch {
    t.skip('wat2wasm not installed (Debian: apt install wabt)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-wasm-'));
  try {
    for (const [source, embedded] of KERNELS) {
      const out = path.join(dir, 'kernel.wasm');
      execFileSync(wat2wasm, [path.join(root, source), '-o', out]);
      assert.equal(fs.readFileSync(out).toString('base64'), embedded, `${source}: run npm run build:wasm`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
