/**
 * Online dedup (`winnow dedup --online`): one pass, first seen wins. A main-thread batch stage,
 * so documents are judged strictly in input order: each one is looked up in per-band hash tables
 * of the documents kept so far (and in a saved index, with `against`); a hit removes it, a miss
 * keeps it and adds its keys. Nothing is spooled, so it streams in the middle of a Unix pipe.
 *
 * Memory grows with the kept documents: per document its stored signature (2 bytes per permutation),
 * one slot in each band table (~24 bytes with headroom), its id, and with `verify` its shingle set.
 */
import type { Doc, JsonObject, Verdict } from '../../core/doc.js';
import { keep, remove } from '../../core/doc.js';
import type { BatchStage, StageContext } from '../../core/stage.js';
import { type DedupConfig, type SimilarityRule, compatOf, similarityRule } from './config.js';
import { type AgainstIndex, type SegmentBand, lookup, openIndex, saveSegment } from './index-store.js';
import { MinHasher, agreement16, bandKeys, exactJaccard, storedSignature } from './minhash.js';
import { growBytes, growU16, growU32 } from './grow.js';
import { idText } from './payload.js';

const TWO32 = 4294967296;

/** Open addressing from a 52-bit key (+ 32-bit check word) to a document number. */
class KeyTable {
  private keys = new Float64Array(1024);
  private checks = new Uint32Array(1024);
  private docs = new Int32Array(1024).fill(-1);
  private size = 0;

  get(key: number, check: number): number {
    const mask = this.docs.length - 1;
    for (let slot = (key % TWO32 >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const doc = this.docs[slot];
      if (doc < 0) return -1;
      if (this.keys[slot] === key && this.checks[slot] === check) return doc;
    }
  }

  /** Keeps the first document of a key. */
  add(key: number, check: number, doc: number): void {
    if ((this.size + 1) * 10 > this.docs.length * 7) this.grow();
    const mask = this.docs.length - 1;
    for (let slot = (key % TWO32 >>> 0) & mask; ; slot = (slot + 1) & mask) {
      if (this.docs[slot] < 0) {
        this.keys[slot] = key;
        this.checks[slot] = check;
        this.docs[slot] = doc;
        this.size++;
        return;
      }
      if (this.keys[slot] === key && this.checks[slot] === check) return;
    }
  }

  private grow(): void {
    const { keys, checks, docs } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.checks = new Uint32Array(keys.length * 2);
    this.docs = new Int32Array(keys.length * 2).fill(-1);
    this.size = 0;
    for (let i = 0; i < docs.length; i++) if (docs[i] >= 0) this.add(keys[i], checks[i], docs[i]);
  }

  bytes(): number {
    return this.keys.byteLength + this.checks.byteLength + this.docs.byteLength;
  }
}

const round4 = (x: number): number => Math.round(x * 10000) / 10000;

export class OnlineDedup implements BatchStage {
  /** One batch at a time, so "first seen" is input order. */
  readonly concurrency = 1;
  private readonly minhash: boolean;
  private readonly k: number;
  private readonly hasher: MinHasher;
  private readonly signature: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly exactTable = new KeyTable();
  private readonly bandTables: KeyTable[];
  private readonly sigs = growU16(1 << 16);
  private readonly stored: Uint16Array;
  /** Band keys of the kept documents, only to save them as an index segment (`index`). */
  private readonly keptKeys = growU32(1 << 12);
  private readonly exactWords = growU32(1 << 12);
  private readonly ids = growBytes(1 << 16);
  private readonly idEnds = growU32(1 << 12);
  private readonly sets = growU32(1 << 12);
  private readonly setEnds = growU32(1 << 12);
  private readonly against: AgainstIndex | null;
  private readonly againstBands: SegmentBand[][] = [];
  private kept = 0;
  private readonly counts = { documents: 0, exact: 0, near: 0, in_index: 0, rejected: 0 };
  private readonly encoder = new TextEncoder();
  private readonly rule: SimilarityRule;

  constructor(
    private readonly config: DedupConfig,
    private readonly ctx: StageContext,
  ) {
    this.minhash = config.method === 'minhash';
    this.k = this.minhash ? config.bands * config.rows : 0;
    this.hasher = new MinHasher({ seed: config.seed, bands: this.minhash ? config.bands : 1, rows: this.minhash ? config.rows : 1, shingle: { type: config.shingle, size: config.shingle_size }, normalize: config.normalize });
    this.signature = new Uint32Array(Math.max(1, this.k));
    this.stored = new Uint16Array(this.k);
    this.rule = similarityRule(config);
    this.keys = new Uint32Array(2 * config.bands);
    this.bandTables = this.minhash ? Array.from({ length: config.bands }, () => new KeyTable()) : [];
    this.against = config.against ? openIndex(config.against, compatOf(config), false) : null;
    if (this.against) {
      // Every band of every segment in memory: lookups come one document at a time.
      for (const segment of this.against.segments) this.againstBands.push(Array.from({ length: (this.minhash ? config.bands : 0) + 1 }, (_, t) => segment.band(t)));
    }
  }

  async process(docs: Doc[]): Promise<Verdict[]> {
    return docs.map((doc) => this.judge(doc));
  }

  private keptId(doc: number): string {
    const from = doc === 0 ? 0 : this.idEnds.data[doc - 1];
    return idText(this.ids.data.subarray(from, this.idEnds.data[doc]));
  }

  private judge(doc: Doc): Verdict {
    this.counts.documents++;
    const { minhash, k, config } = this;
    let exactHi: number;
    let exactLo: number;
    let empty = false;
    let short = false;
    if (minhash) {
      const signed = this.hasher.sign(doc.text, this.signature);
      exactHi = signed.exactHi;
      exactLo = signed.exactLo;
      empty = signed.empty;
      short = signed.shingles <= config.max_exact_shingles;
      if (!empty) {
        bandKeys(this.signature, config.bands, config.rows, this.keys);
        storedSignature(this.signature, this.stored);
      }
    } else {
      const exact = this.hasher.exact(doc.text);
      exactHi = exact.hi;
      exactLo = exact.lo;
      empty = exact.empty;
    }
    // A text with no words is nobody's duplicate (and nothing is anyone's duplicate of it).
    if (empty) return keep();
    const exactKey = (exactHi & 0xfffff) * TWO32 + exactLo;
    // A saved index was seen before anything in this run.
    for (let s = 0; s < this.againstBands.length; s++) {
      const bands = this.againstBands[s];
      let hit = lookup(bands[0], exactKey, exactHi);
      if (hit < 0 && minhash && !empty) {
        for (let b = 0; b < config.bands && hit < 0; b++) hit = lookup(bands[b + 1], (this.keys[2 * b] & 0xfffff) * TWO32 + this.keys[2 * b + 1], 0);
      }
      if (hit >= 0) {
        this.counts.in_index++;
        const segment = this.against!.segments[s];
        return this.removal('duplicate_in_index', -1, segment.id(hit), null, null, { index_segment: segment.name });
      }
    }
    const exactDoc = this.exactTable.get(exactKey, exactHi);
    if (exactDoc >= 0) {
      this.counts.exact++;
      return this.removal('exact_duplicate', exactDoc, this.keptId(exactDoc), 1, 1);
    }
    let set: Uint32Array | null = null;
    if (minhash && !empty) {
      // Short documents carry their set, as in the batch mode (payload.ts).
      if (config.verify || short) set = this.hasher.shingleSet();
      for (let b = 0; b < config.bands; b++) {
        const hit = this.bandTables[b].get((this.keys[2 * b] & 0xfffff) * TWO32 + this.keys[2 * b + 1], this.keys[2 * b] >>> 20);
        if (hit < 0) continue;
        // The same similarity test as the batch mode (bands.ts pairSimilar): exact Jaccard with
        // verify or when both are short (a kept document has a set exactly then), else the
        // estimate with its margin.
        const keptSet = this.keptSet(hit);
        const exact = set !== null && (config.verify || keptSet.length > 0);
        const agree = agreement16(this.stored, this.sigs.data.subarray(hit * k, (hit + 1) * k));
        const jaccard = exact ? exactJaccard(set!, keptSet) : agree / k;
        if (exact ? jaccard < this.rule.minJaccard : agree < this.rule.minAgree) {
          this.counts.rejected++;
          continue;
        }
        this.counts.near++;
        const estimate = round4(jaccard);
        return this.removal('near_duplicate', hit, this.keptId(hit), estimate, config.min_jaccard, { matched_id: this.keptId(hit), matched_jaccard_estimate: estimate });
      }
    }
    this.add(doc, exactKey, exactHi, exactLo, empty, set);
    return keep();
  }

  private keptSet(doc: number): Uint32Array {
    const from = doc === 0 ? 0 : this.setEnds.data[doc - 1];
    return this.sets.data.subarray(from, this.setEnds.data[doc]);
  }

  private removal(rule: string, cluster: number, keptId: string, jaccard: number | null, threshold: number | null, extra: JsonObject = {}): Verdict {
    const details: JsonObject = { cluster, kept_id: keptId, jaccard_estimate: jaccard, ...extra };
    if (this.config.action === 'tag') return keep({ meta: { dedup: { cluster, kept: false, rule, ...details } } });
    return remove(rule, jaccard, threshold, details);
  }

  private add(doc: Doc, exactKey: number, exactHi: number, exactLo: number, empty: boolean, set: Uint32Array | null): void {
    const n = this.kept++;
    this.exactTable.add(exactKey, exactHi, n);
    this.exactWords.push([exactHi, exactLo]);
    this.ids.push(this.encoder.encode(doc.id));
    this.idEnds.push([this.ids.length]);
    if (this.minhash) {
      this.sigs.push(this.stored);
      if (this.config.index) this.keptKeys.push(this.keys);
      for (let b = 0; b < this.config.bands; b++) this.bandTables[b].add((this.keys[2 * b] & 0xfffff) * TWO32 + this.keys[2 * b + 1], this.keys[2 * b] >>> 20, n);
    }
    if (set) this.sets.push(set);
    this.setEnds.push([this.sets.length]);
  }

  summary(): JsonObject {
    const tables = this.exactTable.bytes() + this.bandTables.reduce((s, t) => s + t.bytes(), 0);
    return {
      mode: 'online',
      method: this.config.method,
      keep: 'first',
      documents: this.counts.documents,
      kept: this.counts.documents - (this.config.action === 'remove' ? this.counts.exact + this.counts.near + this.counts.in_index : 0),
      duplicates: { exact: this.counts.exact, near: this.counts.near, in_index: this.counts.in_index },
      rejected_candidates: this.counts.rejected,
      memory_bytes: tables + this.sigs.data.byteLength + this.ids.data.byteLength + this.sets.data.byteLength,
    };
  }

  async close(): Promise<void> {
    this.against?.close();
    if (!this.config.index) return;
    const count = this.kept;
    const exactHi = new Uint32Array(count);
    const exactLo = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      exactHi[i] = this.exactWords.data[2 * i];
      exactLo[i] = this.exactWords.data[2 * i + 1];
    }
    const saved = saveSegment(this.config.index, compatOf(this.config), {
      count,
      bands: this.minhash ? this.config.bands : 0,
      id: (doc) => this.ids.data.subarray(doc === 0 ? 0 : this.idEnds.data[doc - 1], this.idEnds.data[doc]),
      empty: () => false,
      exactHi,
      exactLo,
      band: (b) => {
        const values = new Float64Array(count);
        const stride = 2 * this.config.bands;
        for (let doc = 0; doc < count; doc++) values[doc] = (this.keptKeys.data[doc * stride + 2 * b] & 0xfffff) * TWO32 + this.keptKeys.data[doc * stride + 2 * b + 1];
        return values;
      },
    });
    this.ctx.log.info(saved, 'dedup index segment saved');
  }
}
