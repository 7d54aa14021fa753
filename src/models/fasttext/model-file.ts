/**
 * The fastText model file (`.bin`, or `.ftz` after `fasttext quantize`), format version 12 as
 * `FastText::saveModel` writes it: magic and version; the training arguments; the dictionary
 * (words, then labels, with their counts; and the index of n-gram buckets that `quantize -cutoff`
 * kept); the input matrix; the output matrix.
 */
import { ByteReader } from './byte-reader.js';
import { type Matrix, readMatrix } from './matrix.js';

const magic = 793712314;
const newestVersion = 12;

export type LossName = 'hs' | 'ns' | 'softmax' | 'ova';
const lossNames: Record<number, LossName> = { 1: 'hs', 2: 'ns', 3: 'softmax', 4: 'ova' };

/** The training arguments stored in the header (`Args::save`). */
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

export interface ModelFile {
  args: FastTextArgs;
  /** Words as UTF-8 bytes, by id. */
  words: Uint8Array[];
  /** Labels as written (`__label__` included), by id, and how often each was seen in training. */
  labels: string[];
  labelCounts: number[];
  /**
   * `quantize -cutoff`: the n-gram buckets kept, as (bucket, row past the words) pairs. Null: no
   * pruning (row = nwords + bucket); empty: every bucket was dropped.
   */
  keptBuckets: Int32Array | null;
  quantised: boolean;
  input: Matrix;
  output: Matrix;
}

function readHeader(r: ByteReader): FastTextArgs {
  if (r.i32() !== magic) throw new Error('not a fastText model (bad magic number)');
  const version = r.i32();
  if (version > newestVersion) throw new Error(`fastText model version ${version} is newer than this reader (${newestVersion})`);
  const [dim, ws, epoch, minCount, neg, wordNgrams, lossCode, model, bucket, minn, maxn, lrUpdateRate] = Array.from({ length: 12 }, () => r.i32());
  const loss = lossNames[lossCode];
  if (!loss) throw new Error(`fastText model: unknown loss ${lossCode}`);
  return { dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t: r.f64() };
}

/** The training arguments alone, e.g. to learn what a file is without reading it all. */
export function readArgs(bytes: Uint8Array): FastTextArgs {
  return readHeader(new ByteReader(bytes));
}

const utf8 = new TextDecoder('utf-8');

export function readModelFile(bytes: Uint8Array): ModelFile {
  const r = new ByteReader(bytes);
  const args = readHeader(r);
  const { dim, bucket, wordNgrams, model } = args;
  if (dim <= 0 || dim > 100_000 || bucket < 0 || wordNgrams < 1 || args.minn < 0 || args.maxn < 0) throw new Error('fastText model: bad arguments');
  if (model !== 3) throw new Error('fastText model is not a supervised classifier (it is a word-vector model)');

  const size = r.i32();
  const nwords = r.i32();
  const nlabels = r.i32();
  r.i64(); // ntokens
  const pruneSize = r.i64();
  if (size !== nwords + nlabels || nlabels <= 0 || nwords < 0) throw new Error('fastText model: inconsistent dictionary sizes');
  const words: Uint8Array[] = [];
  const labels: string[] = [];
  const labelCounts: number[] = [];
  for (let i = 0; i < size; i++) {
    const word = r.cstring();
    const count = r.i64();
    if (r.i8() === 0) words.push(word);
    else {
      labels.push(utf8.decode(word));
      labelCounts.push(count);
    }
  }
  if (words.length !== nwords) throw new Error('fastText model: word count does not match the dictionary');

  let keptBuckets: Int32Array | null = null;
  if (pruneSize > bucket) throw new Error('fastText model: more kept buckets than buckets');
  if (pruneSize >= 0) {
    keptBuckets = new Int32Array(2 * pruneSize);
    for (let i = 0; i < 2 * pruneSize; i += 2) {
      keptBuckets[i] = r.i32();
      keptBuckets[i + 1] = r.i32();
      if (keptBuckets[i] < 0 || keptBuckets[i] >= bucket || keptBuckets[i + 1] < 0) throw new Error('fastText model: pruned bucket out of range');
    }
  }
  const quantised = r.bool();
  const input = readMatrix(r, quantised);
  const output = readMatrix(r, r.bool());
  if (input.dim !== dim || output.dim !== dim || output.rows !== nlabels) throw new Error('fastText model: matrix shapes do not match its arguments');
  let rowsNeeded = nwords + (keptBuckets ? 0 : bucket);
  for (let i = 1; keptBuckets && i < keptBuckets.length; i += 2) rowsNeeded = Math.max(rowsNeeded, nwords + keptBuckets[i] + 1);
  if (input.rows < rowsNeeded) throw new Error('fastText model: input matrix has fewer rows than its words and buckets');
  if (!r.atEnd) throw new Error('fastText model: trailing bytes after the output matrix');
  return { args, words, labels, labelCounts, keptBuckets, quantised, input, output };
}
