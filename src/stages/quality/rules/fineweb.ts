/**
 * FineWeb's own rules (Penedo et al. 2024; datatrove `FineWebQualityFilter`), on the non-empty
 * lines of `text.split("\n")`: too few lines ending in punctuation, too many short lines, too many
 * characters in duplicated lines (over all characters but newlines), too many newlines per word.
 */
import type { TextAnalysis } from '../analysis.js';
import type { FineWebConfig } from '../config.js';
import { type Outcome, safeRatio } from '../outcome.js';
import { CodeSet, codePointBefore } from '../text/code-set.js';
import { isSpaceUnit } from '../text/python-text.js';
import type { SpanList } from '../text/span-list.js';

/** Unicode's Sentence_Terminal characters (the default line endings that count as punctuation). */
export const SENTENCE_TERMINALS = CodeSet.fromRegex(/\p{Sentence_Terminal}/u);

export class FineWebQuality {
  /** Single-character stop endings, tested on the last code point. */
  private readonly stopSet: CodeSet;
  /** Longer stop endings, tested with `endsWith`. */
  private readonly stopStrings: string[];

  constructor(private readonly cfg: FineWebConfig) {
    if (cfg.stop_chars === null) {
      this.stopSet = SENTENCE_TERMINALS;
      this.stopStrings = [];
    } else {
      const singles = cfg.stop_chars.filter((c) => [...c].length === 1);
      this.stopSet = CodeSet.fromChars(singles);
      this.stopStrings = cfg.stop_chars.filter((c) => [...c].length > 1);
    }
  }

  run(a: TextAnalysis, out: Outcome): void {
    const cfg = this.cfg;
    // The non-empty lines (`line.strip() != ""`), unstripped. C4's edit of a text is its kept
    // lines joined with "\n": unless a line has its own text, they are read where they are in
    // the original (same characters), without splitting the edit.
    const joined = a.joined !== undefined && a.joined.replacedCount === 0 ? a.joined : undefined;
    const text = joined ? joined.source : a.text;
    let newlines: number;
    let lines: SpanList;
    if (joined) {
      // Kept lines are stripped; empty ones at either end are not in the edit (it is stripped too).
      const { starts, ends, count } = joined;
      let first = 0;
      let last = count - 1;
      while (first < count && starts[first] === ends[first]) first++;
      while (last > first && starts[last] === ends[last]) last--;
      newlines = first < count ? last - first : 0;
      lines = a.workspace.pieces.reset(count);
      for (let k = first; k <= last; k++) if (hasNonSpace(text, starts[k], ends[k])) lines.push(starts[k], ends[k]);
    } else {
      const segments = a.segments;
      newlines = segments.count - 1;
      lines = a.workspace.pieces.reset(segments.count);
      for (let k = 0; k < segments.count; k++) {
        const s = segments.spans[2 * k];
        const e = segments.spans[2 * k + 1];
        if (hasNonSpace(text, s, e)) lines.push(s, e);
      }
    }
    const count = lines.count;
    out.signal('lines', count);
    if (out.check(count === 0, 'empty_document', 0, 1)) return;

    let punct = 0;
    let short = 0;
    for (let k = 0; k < count; k++) {
      const s = lines.spans[2 * k];
      const e = lines.spans[2 * k + 1];
      if (this.endsWithStop(text, s, e)) punct++;
      if (a.spanLength(s, e, text) <= cfg.short_line_length) short++;
    }
    const punctRatio = punct / count;
    out.signal('punct_line_ratio', punctRatio);
    if (out.check(punctRatio < cfg.min_punct_line_ratio && !(punctRatio === 0 && cfg.punct_exclude_zero), 'too_few_punctuated_lines', punctRatio, cfg.min_punct_line_ratio)) return;
    const shortRatio = short / count;
    out.signal('short_line_ratio', shortRatio);
    if (out.check(shortRatio > cfg.max_short_line_ratio, 'too_many_short_lines', shortRatio, cfg.max_short_line_ratio)) return;

    const dupChars = a.findDuplicates(lines, text).chars;
    const dupRatio = safeRatio(dupChars, a.length - newlines);
    out.signal('duplicate_line_char_ratio', dupRatio);
    if (out.check(dupRatio > cfg.max_duplicate_line_char_ratio, 'too_many_duplicate_line_chars', dupRatio, cfg.max_duplicate_line_char_ratio)) return;

    const newlineRatio = safeRatio(newlines, a.tokenCount);
    out.signal('newline_word_ratio', newlineRatio);
    out.check(newlineRatio > cfg.max_newline_word_ratio, 'too_many_newlines', newlineRatio, cfg.max_newline_word_ratio);
  }

  private endsWithStop(text: string, s: number, e: number): boolean {
    if (this.stopSet.has(codePointBefore(text, e, s))) return true;
    for (const stop of this.stopStrings) {
      if (e - s >= stop.length && text.startsWith(stop, e - stop.length)) return true;
    }
    return false;
  }
}

/** Whether `text[s:e]` has a character that is not Python whitespace. */
function hasNonSpace(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isSpaceUnit(text.charCodeAt(i))) return true;
  return false;
}
