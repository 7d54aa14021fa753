/** The chunk files of a staged run, in input order, once every unit of the plan is complete. */
import fs from 'node:fs';
import path from 'node:path';
import { WinnowError } from '../../../core/errors.js';
import { FileChunk } from '../chunks.js';
import type { Compat } from '../config.js';
import { paths, readPlan } from './layout.js';

export function openChunkFiles(dir: string, compat: Compat): FileChunk[] {
  const p = paths(dir);
  const { units } = readPlan(dir);
  const missing = units.filter((u) => !fs.existsSync(p.unitDone(u.index))).map((u) => u.index);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, ... (${missing.length})` : '');
    throw new WinnowError('usage', `${dir}: signatures are missing for input units ${shown}: run every \`winnow dedup signatures\` task first`);
  }
  const names = fs
    .readdirSync(p.signatures)
    .filter((n) => /^u\d{5,}-\d{4}\.sig$/.test(n))
    .sort();
  return names.map((n) => new FileChunk(path.join(p.signatures, n), compat));
}
