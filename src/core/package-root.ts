/**
 * The package root (holds package.json, pipelines/ and models/), found from this module's place
 * in src/ or dist/src/. A leaf module: stages import it without importing config/load.ts, which
 * imports the stage registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('winnow package root not found');
    dir = parent;
  }
  return dir;
})();
