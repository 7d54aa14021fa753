/** Writes `<run>/report.html` (atomically) from what the run left in its directory. */
import path from 'node:path';
import { writeFileAtomic } from '../io/shard-writer.js';
import { collectReport } from './collect.js';
import { renderReport } from './html.js';

export async function writeReport(runDir: string): Promise<string> {
  const file = path.join(runDir, 'report.html');
  await writeFileAtomic(file, renderReport(await collectReport(runDir)));
  return file;
}
