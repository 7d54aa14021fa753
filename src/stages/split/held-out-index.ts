/**
 * Decontamination against the held-out splits of the same run (and benchmarks), as a global stage:
 *
 * 1. In the pool (`prepare`), a held-out document (meta.split in `held_out`) sends its n-gram
 *    hashes; a training document sends the benchmark n-grams it contains (distinct slots).
 * 2. On the main thread (`observe`), held-out n-grams are collected per split, and every benchmark
 *    n-gram counts the training documents containing it (GPT-3's common-phrase filter).
 * 3. `finish` builds one index (benchmarks + held-out documents, in key order so it is the same
 *    on every run) with its common-phrase mask, and saves both in the stage's state directory.
 * 4. In the pool again (`replay`), every training document is scanned against that index and
 *    dropped, redacted or flagged; held-out documents pass.
 *
 * Held-out n-grams are not frequency-filtered: their counts over the training documents would need
 * another pass over the corpus (documented in docs/split.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../core/doc.js';
import { keep } from '../../core/doc.js';
import type { DocDecider, DocKey, GlobalStage, StageContext, WorkerStageContext } from '../../core/stage.js';
import { writeFileAtomic } from '../../io/shard-writer.js';
import { contaminationVerdict } from './actions.js';
import type { DecontaminateConfig, DecontaminationIndex } from './decontaminate-stage.js';
import { NgramIndex } from './ngram-index.js';
import { NgramBuffer, hashNgrams } from './ngrams.js';
import { scanText } from './scan.js';

const HELD_OUT = 1;
const TRAINING = 0;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const splitOf = (meta: JsonObject): string | undefined => (typeof meta.split === 'string' ? meta.split : undefined);

/**
 * Payloads: held-out = [1, u16 split length, split, u16 id length, id, pad to 4, (hi, lo) u32 pairs];
 * training = [0, pad to 4, benchmark slots u32].
 */
export function heldOutPayload(config: DecontaminateConfig, benchmarks: NgramIndex | null): (doc: { id: string; text: string; meta: JsonObject }) => Uint8Array {
  const heldOut = new Set(config.held_out);
  const buffer = new NgramBuffer();
  return (doc) => {
    const split = splitOf(doc.meta);
    if (split !== undefined && heldOut.has(split)) {
      const count = hashNgrams(doc.text, config.n, buffer);
      const name = encoder.encode(split);
      const id = encoder.encode(doc.id);
      const head = 1 + 2 + name.length + 2 + id.length;
      const start = (head + 3) & ~3;
      const out = new Uint8Array(start + count * 8);
      const view = new DataView(out.buffer);
      out[0] = HELD_OUT;
      view.setUint16(1, name.length, true);
      out.set(name, 3);
      view.setUint16(3 + name.length, id.length, true);
      out.set(id, 5 + name.length);
      const pairs = new Uint32Array(out.buffer, start, count * 2);
      for (let i = 0; i < count; i++) {
        pairs[2 * i] = buffer.hi[i];
        pairs[2 * i + 1] = buffer.lo[i];
      }
      return out;
    }
    if (!benchmarks) return new Uint8Array([TRAINING]);
    const slots = scanText(doc.text, benchmarks).slots;
    const out = new Uint8Array(4 + slots.length * 4);
    out[0] = TRAINING;
    new Uint32Array(out.buffer, 4, slots.length).set(slots);
    return out;
  };
}

interface HeldOutDoc {
  key: DocKey;
  split: string;
  id: string;
  hi: Uint32Array;
  lo: Uint32Array;
}

export const indexFile = (stateDir: string): string => path.join(stateDir, 'index.bin');
export const maskFile = (stateDir: string): string => path.join(stateDir, 'common-ngrams.mask');

export class HeldOutIndexBuilder implements GlobalStage {
  private readonly docs: HeldOutDoc[] = [];
  private readonly counts: Uint32Array;
  private trainingDocs = 0;

  constructor(
    private readonly config: DecontaminateConfig,
    private readonly build: () => DecontaminationIndex,
    private readonly benchmarks: NgramIndex,
    private readonly ctx: StageContext,
  ) {
    this.counts = new Uint32Array(benchmarks.capacity);
  }

  observe(key: DocKey, data: Uint8Array, start: number, end: number): void {
    const payload = data.subarray(start, end);
    if (payload[0] === HELD_OUT) {
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const nameLength = view.getUint16(1, true);
      const split = decoder.decode(payload.subarray(3, 3 + nameLength));
      const idLength = view.getUint16(3 + nameLength, true);
      const id = decoder.decode(payload.subarray(5 + nameLength, 5 + nameLength + idLength));
      const start = (5 + nameLength + idLength + 3) & ~3;
      const pairs = new Uint32Array(payload.buffer.slice(payload.byteOffset + start, payload.byteOffset + payload.byteLength));
      const n = pairs.length / 2;
      const hi = new Uint32Array(n);
      const lo = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        hi[i] = pairs[2 * i];
        lo[i] = pairs[2 * i + 1];
      }
      this.docs.push({ key, split, id, hi, lo });
      return;
    }
    this.trainingDocs++;
    const slots = new Uint32Array(payload.buffer.slice(payload.byteOffset + 4, payload.byteOffset + payload.byteLength));
    for (const slot of slots) this.counts[slot]++;
  }

  async finish(): Promise<JsonObject> {
    const { index } = this.build();
    // Held-out documents in input order, whatever order they were observed in (resume).
    this.docs.sort((a, b) => a.key - b.key);
    const sources = new Map<string, number>();
    for (const split of this.config.held_out) sources.set(split, index.addSource(split, 'split'));
    for (const doc of this.docs) index.addItemHashes(sources.get(doc.split)!, doc.id, doc.hi, doc.lo, doc.hi.length + this.config.n - 1);
    // A benchmark n-gram in more than max_ngram_docs training documents is a common phrase.
    const mask = new Uint8Array(index.capacity);
    let common = 0;
    for (let slot = 0; slot < this.counts.length; slot++) {
      if (this.counts[slot] <= this.config.max_ngram_docs) continue;
      const { hi, lo } = this.benchmarks.keyAt(slot);
      const at = index.find(hi, lo);
      if (at >= 0) {
        mask[at] = 1;
        common++;
      }
    }
    await fs.promises.mkdir(this.ctx.stateDir, { recursive: true });
    await writeFileAtomic(indexFile(this.ctx.stateDir), index.toBuffer());
    await writeFileAtomic(maskFile(this.ctx.stateDir), mask);
    return {
      held_out_documents: Object.fromEntries(this.config.held_out.map((s) => [s, this.docs.filter((d) => d.split === s).length])),
      training_documents: this.trainingDocs,
      sources: index.describe() as unknown as JsonObject[],
      common_ngrams_ignored: common,
    } as JsonObject;
  }

  decide(): ReturnType<GlobalStage['decide']> {
    return keep();
  }
}

/** The per-document step of the pass after: training documents are scanned; held-out ones pass. */
export function heldOutReplay(config: DecontaminateConfig, ctx: WorkerStageContext): DocDecider {
  const index = NgramIndex.fromBuffer(fs.readFileSync(indexFile(ctx.stateDir)));
  const ignore = new Uint8Array(fs.readFileSync(maskFile(ctx.stateDir)));
  const heldOut = new Set(config.held_out);
  const options = { action: config.action, max_matched_ngrams: config.max_matched_ngrams, redact: config.redact };
  return (doc) => {
    const split = splitOf(doc.meta);
    if (split !== undefined && heldOut.has(split)) return keep();
    return contaminationVerdict(doc.text, scanText(doc.text, index, { ignore }), index, options);
  };
}

export const loadFinalIndex = (stateDir: string): NgramIndex => NgramIndex.fromBuffer(fs.readFileSync(indexFile(stateDir)));
