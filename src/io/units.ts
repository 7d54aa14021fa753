/**
 * Splits the input into units, the granularity of resume: consecutive small files are grouped
 * up to `unit_bytes`; a large plain JSONL file is cut into byte ranges at line boundaries (with
 * the line number each range starts at, so ids and error lines stay exact); compressed files and
 * standard input are one unit each. The plan depends only on the files, so a rerun finds the same.
 */
import fs from 'node:fs';
import type { InputFile } from './input-files.js';

export interface UnitPart {
  /** Index into the run's input files. */
  file: number;
  start: number;
  /** Exclusive end byte, or null for the whole file. */
  end: number | null;
  /** Line (JSONL) or record number of the first record in this part. */
  firstLine: number;
}

export interface Unit {
  index: number;
  parts: UnitPart[];
  bytes: number;
}

export async function planUnits(files: InputFile[], unitBytes: number): Promise<Unit[]> {
  const units: Unit[] = [];
  let current: Unit | null = null;
  const flush = (): void => {
    if (current && current.parts.length > 0) units.push(current);
    current = null;
  };
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (file.path === '-') {
      flush();
      units.push({ index: units.length, parts: [{ file: i, start: 0, end: null, firstLine: 1 }], bytes: 0 });
      continue;
    }
    if (file.format === 'jsonl' && file.compression === 'none' && file.size > unitBytes) {
      flush();
      for (const range of await lineRanges(file.path, file.size, unitBytes)) {
        units.push({ index: units.length, parts: [{ file: i, ...range }], bytes: range.end - range.start });
      }
      continue;
    }
    current ??= { index: units.length, parts: [], bytes: 0 };
    current.parts.push({ file: i, start: 0, end: null, firstLine: 1 });
    current.bytes += file.size;
    if (current.bytes >= unitBytes) flush();
  }
  flush();
  return units;
}

/** Byte ranges of about `size` bytes, each ending just after a newline, with their first line numbers. */
async function lineRanges(file: string, total: number, size: number): Promise<{ start: number; end: number; firstLine: number }[]> {
  const ranges: { start: number; end: number; firstLine: number }[] = [];
  let start = 0;
  let firstLine = 1;
  let lines = 0; // newlines seen before `base`
  let target = size;
  let base = 0;
  const chunkSize = 4 * 1024 * 1024;
  const buf = Buffer.allocUnsafe(chunkSize);
  const fd = await fs.promises.open(file, 'r');
  try {
    while (base < total) {
      const { bytesRead } = await fd.read(buf, 0, chunkSize, base);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      let pos = chunk.indexOf(10);
      while (pos >= 0) {
        lines++;
        const absolute = base + pos;
        if (absolute + 1 >= target && absolute + 1 < total) {
          ranges.push({ start, end: absolute + 1, firstLine });
          start = absolute + 1;
          firstLine = lines + 1;
          target = start + size;
        }
        pos = chunk.indexOf(10, pos + 1);
      }
      base += bytesRead;
    }
  } finally {
    await fd.close();
  }
  ranges.push({ start, end: total, firstLine });
  return ranges;
}
