/**
 * fastText's input and output matrices: dense float32 rows, or product-quantised rows
 * (`fasttext quantize`, Jégou et al. 2011), each a one-byte code per sub-space into 256 centroids,
 * optionally scaled by a quantised norm (`-qnorm`).
 */
import type { ByteReader } from './byte-reader.js';

export interface Matrix {
  readonly rows: number;
  readonly dim: number;
  /** Adds row `i` to `into` (`Matrix::addRowToVector`). */
  addRow(into: Float64Array, i: number): void;
  /** Dot product of row `i` with `x` (`Matrix::dotRow`). */
  dotRow(x: Float64Array, i: number): number;
  /** A product-quantised matrix's tables (for a kernel that decodes rows as `addRow` does), else undefined. */
  quantised?(): QuantTables;
}

/** Codes (`nsubq` bytes a row), each row's norm, and the centroids (`centroidAt` order). */
export interface QuantTables {
  codes: Uint8Array;
  norms: Float32Array;
  centroids: Float32Array;
  nsubq: number;
  dsub: number;
  lastdsub: number;
}

class DenseMatrix implements Matrix {
  constructor(readonly rows: number, readonly dim: number, readonly data: Float32Array) {}

  addRow(into: Float64Array, i: number): void {
    const d = this.dim;
    const base = i * d;
    for (let j = 0; j < d; j++) into[j] += this.data[base + j];
  }

  dotRow(x: Float64Array, i: number): number {
    const d = this.dim;
    const base = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[j] * this.data[base + j];
    return s;
  }
}

const ksub = 256;

/** `ProductQuantizer`: `nsubq` sub-spaces of `dsub` dimensions (the last may be narrower). */
interface ProductQuantizer {
  dim: number;
  nsubq: number;
  dsub: number;
  lastdsub: number;
  centroids: Float32Array;
}

function readQuantizer(r: ByteReader): ProductQuantizer {
  const dim = r.i32();
  const nsubq = r.i32();
  const dsub = r.i32();
  const lastdsub = r.i32();
  if (dim <= 0 || nsubq <= 0 || dsub <= 0 || lastdsub <= 0 || (nsubq - 1) * dsub + lastdsub !== dim) throw new Error('fastText model: bad product quantiser');
  return { dim, nsubq, dsub, lastdsub, centroids: r.f32s(dim * ksub) };
}

/** Offset of centroid `code` of sub-space `m` in the centroid table (`get_centroids`). */
function centroidAt(pq: ProductQuantizer, m: number, code: number): number {
  return m === pq.nsubq - 1 ? m * ksub * pq.dsub + code * pq.lastdsub : (m * ksub + code) * pq.dsub;
}

class QuantMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly dim: number,
    private readonly codes: Uint8Array,
    private readonly pq: ProductQuantizer,
    /** Each row's decoded norm (1 without `-qnorm`). */
    private readonly norms: Float32Array,
  ) {}

  quantised(): QuantTables {
    const { centroids, nsubq, dsub, lastdsub } = this.pq;
    return { codes: this.codes, norms: this.norms, centroids, nsubq, dsub, lastdsub };
  }

  addRow(into: Float64Array, i: number): void {
    const pq = this.pq;
    const alpha = this.norms[i];
    const base = i * pq.nsubq;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = centroidAt(pq, m, this.codes[base + m]);
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
      const c = centroidAt(pq, m, this.codes[base + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      const o = m * pq.dsub;
      for (let n = 0; n < d; n++) s += x[o + n] * pq.centroids[c + n];
    }
    return s * this.norms[i];
  }
}

function checkShape(rows: number, dim: number): void {
  if (rows < 0 || dim <= 0) throw new Error(`fastText model: bad matrix shape ${rows} x ${dim}`);
}

/** A matrix as `DenseMatrix::save` or `QuantMatrix::save` wrote it. */
export function readMatrix(r: ByteReader, quantised: boolean): Matrix {
  if (!quantised) {
    const rows = r.i64();
    const dim = r.i64();
    checkShape(rows, dim);
    return new DenseMatrix(rows, dim, r.f32s(rows * dim));
  }
  const qnorm = r.bool();
  const rows = r.i64();
  const dim = r.i64();
  checkShape(rows, dim);
  const codesize = r.i32();
  if (codesize < 0) throw new Error('fastText model: negative code size');
  const codes = r.u8s(codesize);
  const pq = readQuantizer(r);
  if (pq.dim !== dim || codesize !== rows * pq.nsubq) throw new Error('fastText model: quantised code size does not match the matrix');
  const norms = new Float32Array(rows).fill(1);
  if (qnorm) {
    const normCodes = r.u8s(rows);
    const npq = readQuantizer(r);
    for (let i = 0; i < rows; i++) norms[i] = npq.centroids[centroidAt(npq, 0, normCodes[i])];
  }
  return new QuantMatrix(rows, dim, codes, pq, norms);
}

/**
 * The rows as float32, `rows × dim` values: a dense matrix's own, or a quantised one's decoded
 * (each value rounded to float32 as fastText adds it, `float(norm * centroid)`). Null when
 * decoding would take more than `maxValues` values: a quantised model is small on purpose.
 * Decoded rows are a plain loop to add, but take 16 times the memory of their codes, so they pay
 * off only where rows are added per token, not once per distinct word.
 */
export function denseRows(m: Matrix, maxValues: number): Float32Array | null {
  if (m instanceof DenseMatrix) return m.data;
  if (m.rows * m.dim > maxValues) return null;
  const out = new Float32Array(m.rows * m.dim);
  const row = new Float64Array(m.dim);
  for (let i = 0; i < m.rows; i++) {
    row.fill(0);
    m.addRow(row, i);
    out.set(row, i * m.dim);
  }
  return out;
}
