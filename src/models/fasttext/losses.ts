/**
 * From the averaged hidden vector to label probabilities, for each of fastText's losses
 * (`loss.cc`): softmax over the output rows; one-vs-all and negative sampling, a sigmoid per
 * label; hierarchical softmax, a walk down the Huffman tree of the labels.
 */
import type { Matrix } from './matrix.js';

/** `SoftmaxLoss::computeOutput`: the probability of each label. */
export function softmax(output: Matrix, hidden: Float64Array, probs: Float64Array): void {
  const n = probs.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    probs[i] = output.dotRow(hidden, i);
    if (probs[i] > max) max = probs[i];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i] = Math.exp(probs[i] - max);
  for (let i = 0; i < n; i++) probs[i] /= sum;
}

/**
 * The binary-logistic losses (one-vs-all, negative sampling) look the sigmoid up in a 512-step
 * table over [-8, 8] (`Loss::sigmoid`); the same table gives the same probabilities.
 */
const sigmoidTable = Float64Array.from({ length: 513 }, (_, i) => Math.fround(1 / (1 + Math.exp(-((i * 16) / 512 - 8)))));

function tableSigmoid(x: number): number {
  if (x < -8) return 0;
  if (x > 8) return 1;
  return sigmoidTable[Math.trunc(((x + 8) * 512) / 16)];
}

/** `BinaryLogisticLoss::computeOutput`: each label's probability on its own. */
export function sigmoids(output: Matrix, hidden: Float64Array, probs: Float64Array): void {
  for (let i = 0; i < probs.length; i++) probs[i] = tableSigmoid(output.dotRow(hidden, i));
}

/** fastText's `std_log`: what it sums along a tree path, and applies to every printed probability. */
const stdLog = (x: number): number => Math.log(x + 1e-5);
const minScore = stdLog(0);

/**
 * `HierarchicalSoftmaxLoss`: labels are the leaves of a Huffman tree built from their training
 * counts; each inner node's output row gives, through a sigmoid, the probability of going right.
 * A label's score is the sum of `std_log` of the branch probabilities on its path, and its
 * probability as fastText reports it is `exp(score)`.
 */
export class HuffmanTree {
  /** Children of inner nodes (`osz` .. `2 osz - 2`); leaves (the labels) have -1. */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly osz: number;
  private output!: Matrix;
  private hidden!: Float64Array;
  private bestScore = -Infinity;
  private best = 0;

  /** `buildTree`: labels are sorted by decreasing count, so the two smallest are found by two cursors. */
  constructor(counts: readonly number[]) {
    const osz = counts.length;
    this.osz = osz;
    this.left = new Int32Array(2 * osz - 1).fill(-1);
    this.right = new Int32Array(2 * osz - 1).fill(-1);
    const count = new Float64Array(2 * osz - 1).fill(1e15);
    count.set(counts);
    let leaf = osz - 1;
    let node = osz;
    for (let i = osz; i < 2 * osz - 1; i++) {
      const mini = [0, 0];
      for (let j = 0; j < 2; j++) mini[j] = leaf >= 0 && count[leaf] < count[node] ? leaf-- : node++;
      this.left[i] = mini[0];
      this.right[i] = mini[1];
      count[i] = count[mini[0]] + count[mini[1]];
    }
  }

  private branch(node: number): number {
    return 1 / (1 + Math.exp(-this.output.dotRow(this.hidden, node - this.osz)));
  }

  /** The most probable label and its score: depth-first, pruning paths already below the best (`predict`, k = 1). */
  top(output: Matrix, hidden: Float64Array): { index: number; score: number } {
    this.output = output;
    this.hidden = hidden;
    this.bestScore = -Infinity;
    this.best = 0;
    this.searchTop(2 * this.osz - 2, 0);
    return { index: this.best, score: this.bestScore };
  }

  private searchTop(node: number, score: number): void {
    if (score < this.bestScore) return;
    if (this.left[node] === -1) {
      if (score > this.bestScore) {
        this.bestScore = score;
        this.best = node;
      }
      return;
    }
    const f = this.branch(node);
    this.searchTop(this.left[node], score + stdLog(1 - f));
    this.searchTop(this.right[node], score + stdLog(f));
  }

  /**
   * Every label's probability as fastText reports it (`predict` with k = -1, threshold 0: paths
   * scoring under `std_log(0)` are cut, their labels get 0), less the 1e-5 its `std_log` adds.
   */
  probabilities(output: Matrix, hidden: Float64Array, probs: Float64Array): void {
    this.output = output;
    this.hidden = hidden;
    probs.fill(0);
    this.searchAll(2 * this.osz - 2, 0, probs);
  }

  private searchAll(node: number, score: number, probs: Float64Array): void {
    if (score < minScore) return;
    if (this.left[node] === -1) {
      probs[node] = Math.max(0, Math.exp(score) - 1e-5);
      return;
    }
    const f = this.branch(node);
    this.searchAll(this.left[node], score + stdLog(1 - f), probs);
    this.searchAll(this.right[node], score + stdLog(f), probs);
  }
}
