/**
 * serve-classifier's answers in the generic protocol, written as JSON text directly: one text →
 * `[{"label":"safe","score":0.98},...]` best first. Shared by the server's worker threads and
 * anything that wants the served answer in-process (the benchmark's direct call).
 *
 * Why strings and not objects + JSON.stringify: the reply is built once per text, so its cost sits
 * next to the model's in the server's throughput; label names are quoted once per model.
 */
import type { TextClassifier } from './embedded.js';
import { labelName } from './judge.js';

/** Texts → the JSON text of their replies, `[[…],[…]]`. */
export type BatchReplier = (texts: readonly string[]) => string;

/** The served name of each model label: renames first, then winnow's normal form (`safe`, `hate`). */
export function servedLabels(classifier: TextClassifier, renames: Record<string, string>): string[] {
  return classifier.labels.map((l) => labelName(renames[l] ?? l));
}

/**
 * A finite score as JSON that reads back as the same double: 17 significant digits always round-trip
 * (IEEE 754), and `toPrecision` writes them about twice as fast as `String(x)` finds the shortest form.
 */
const scoreText = (x: number): string => (Number.isFinite(x) ? x.toPrecision(17) : '0');

export function batchReplier(classifier: TextClassifier, renames: Record<string, string>): BatchReplier {
  const names = new Map(classifier.labels.map((l) => [l, labelName(renames[l] ?? l)]));
  /** `{"label":"<name>","score":` per raw label, built once. */
  const heads = new Map<string, string>();
  const headOf = (raw: string): string => {
    let h = heads.get(raw);
    if (h === undefined) heads.set(raw, (h = `{"label":${JSON.stringify(names.get(raw) ?? labelName(raw))},"score":`));
    return h;
  };
  // Reused for every text: a reply is built per text, and garbage per text costs as much as the work.
  let scores = new Float64Array(8);
  let order = new Int32Array(8);
  const heading: string[] = [];
  const one = (text: string): string => {
    const raw = classifier.classify(text);
    const n = raw.labels.length;
    if (n > scores.length) {
      scores = new Float64Array(n);
      order = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) {
      heading[i] = headOf(raw.labels[i]);
      // Nothing to classify: all the weight on `safe`, as the embedded backend judges it.
      scores[i] = raw.empty ? ((names.get(raw.labels[i]) ?? labelName(raw.labels[i])) === 'safe' ? 1 : 0) : Number(raw.scores[i]);
    }
    // Best first, ties by label; insertion sort: a handful of labels.
    for (let i = 0; i < n; i++) {
      let k = i;
      while (k > 0) {
        const j = order[k - 1];
        if (scores[j] > scores[i] || (scores[j] === scores[i] && heading[j] < heading[i])) break;
        order[k] = j;
        k--;
      }
      order[k] = i;
    }
    let out = '[';
    for (let k = 0; k < n; k++) out += (k ? ',' : '') + heading[order[k]] + scoreText(scores[order[k]]) + '}';
    return out + ']';
  };
  return (texts) => {
    let out = '[';
    for (let i = 0; i < texts.length; i++) out += (i ? ',' : '') + one(texts[i]);
    return out + ']';
  };
}
