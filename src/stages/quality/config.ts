/**
 * Configuration of the `quality` stage: which rule families run, in which order, and each
 * family's thresholds. Every default is datatrove 0.10.0's (huggingface/datatrove,
 * `src/datatrove/pipeline/filters/`), which the FineWeb, DCLM and Dolma recipes reuse; the
 * datatrove argument each key stands for is named in its comment. A `null` threshold turns that
 * one check off (datatrove: `None`).
 */
import { z } from 'zod';
import { stageSchema } from '../../core/stage.js';

export const FAMILIES = ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'c4_badwords', 'fineweb'] as const;
export type Family = (typeof FAMILIES)[number];

const ratio = z.number().min(0);
const count = z.number().int().min(0);

/** `LanguageFilter` (fastText lid.176). */
export const LanguageConfig = z.strictObject({
  /** Languages kept (fastText labels, ISO 639 codes); `null` keeps any. datatrove: `languages`. */
  languages: z.array(z.string().min(1)).min(1).nullable().default(['en']),
  /** Minimum score of the top label. datatrove: `language_threshold`. */
  min_score: ratio.max(1).default(0.65),
});
export type LanguageConfig = z.infer<typeof LanguageConfig>;

/** `GopherQualityFilter` (Rae et al. 2021, "Scaling Language Models", appendix A). */
export const GopherQualityConfig = z.strictObject({
  /** Words that are not only punctuation. datatrove: `min_doc_words`. */
  min_words: count.nullable().default(50),
  /** datatrove: `max_doc_words`. */
  max_words: count.nullable().default(100_000),
  /** Mean length (code points) of those words. datatrove: `min_avg_word_length`. */
  min_mean_word_length: ratio.nullable().default(3),
  /** datatrove: `max_avg_word_length`. */
  max_mean_word_length: ratio.nullable().default(10),
  /** `#` per word (all tokens). datatrove: `max_symbol_word_ratio`. */
  max_hash_ratio: ratio.nullable().default(0.1),
  /** `...` and `…` per word. datatrove: `max_symbol_word_ratio` too. */
  max_ellipsis_ratio: ratio.nullable().default(0.1),
  /** Lines (str.splitlines) starting with `•` or `-` after leading whitespace. datatrove: `max_bullet_lines_ratio`. */
  max_bullet_lines_ratio: ratio.nullable().default(0.9),
  /** Lines ending with `...` or `…`. datatrove: `max_ellipsis_lines_ratio`. */
  max_ellipsis_lines_ratio: ratio.nullable().default(0.3),
  /** Words with an alphabetic character. datatrove: `max_non_alpha_words_ratio` (a minimum despite its name). */
  min_alpha_words_ratio: ratio.nullable().default(0.8),
  /** Distinct stop words present (case-sensitive). datatrove: `min_stop_words`. */
  min_stop_words: count.nullable().default(2),
  /** datatrove: `stop_words`. */
  stop_words: z.array(z.string().min(1)).default(['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with']),
});
export type GopherQualityConfig = z.infer<typeof GopherQualityConfig>;

const NgramLimit = z.strictObject({ n: z.number().int().min(1).max(100), max_char_fraction: ratio });

/** `GopherRepetitionFilter` (Gopher table A1). */
export const GopherRepetitionConfig = z.strictObject({
  /** Paragraphs (split on `\n{2,}`) that repeat an earlier one. datatrove: `dup_para_frac`. */
  max_duplicate_paragraph_fraction: ratio.nullable().default(0.3),
  /** Characters in those paragraphs, over all characters. datatrove: `dup_para_char_frac`. */
  max_duplicate_paragraph_char_fraction: ratio.nullable().default(0.2),
  /** Lines (split on `\n+`) that repeat an earlier one. datatrove: `dup_line_frac`. */
  max_duplicate_line_fraction: ratio.nullable().default(0.3),
  /** datatrove: `dup_line_char_frac`. */
  max_duplicate_line_char_fraction: ratio.nullable().default(0.2),
  /** Characters covered by the most frequent word n-gram. datatrove: `top_n_grams`. */
  top_ngrams: z.array(NgramLimit).default([
    { n: 2, max_char_fraction: 0.2 },
    { n: 3, max_char_fraction: 0.18 },
    { n: 4, max_char_fraction: 0.16 },
  ]),
  /** Characters in repeated word n-grams. datatrove: `dup_n_grams`. */
  duplicate_ngrams: z.array(NgramLimit).default([
    { n: 5, max_char_fraction: 0.15 },
    { n: 6, max_char_fraction: 0.14 },
    { n: 7, max_char_fraction: 0.13 },
    { n: 8, max_char_fraction: 0.12 },
    { n: 9, max_char_fraction: 0.11 },
    { n: 10, max_char_fraction: 0.1 },
  ]),
});
export type GopherRepetitionConfig = z.infer<typeof GopherRepetitionConfig>;

/** `C4QualityFilter` (Raffel et al. 2020, section 2.2, and TFDS `c4_utils.py`). */
export const C4Config = z.strictObject({
  /** Judge lines (`str.splitlines`); false judges sentences instead. datatrove: `split_paragraph`. */
  split_paragraph: z.boolean().default(true),
  /** Remove `[1]`, `[edit]`, `[citation needed]`. datatrove: `remove_citations`. */
  remove_citations: z.boolean().default(true),
  /** Drop lines not ending in `.` `?` `!` `"` `'` (or ending in `...`). FineWeb turns this off. datatrove: `filter_no_terminal_punct`. */
  filter_no_terminal_punct: z.boolean().default(true),
  /** Sentences left after line filtering. datatrove: `min_num_sentences` (-1 there = `null` here). */
  min_sentences: count.nullable().default(5),
  /** Whitespace-separated words per line. datatrove: `min_words_per_line`. */
  min_words_per_line: count.nullable().default(3),
  /** Drop lines with a longer word (code points). datatrove: `max_word_length`. */
  max_word_length: count.nullable().default(1000),
  /** Drop the document when a kept line says "lorem ipsum". datatrove: `filter_lorem_ipsum`. */
  filter_lorem_ipsum: z.boolean().default(true),
  /** Drop lines mentioning "javascript". datatrove: `filter_javascript`. */
  filter_javascript: z.boolean().default(true),
  /** Drop the document when a kept line has `{`. datatrove: `filter_curly_bracket`. */
  filter_curly_bracket: z.boolean().default(true),
  /** Drop lines with cookie, privacy and terms-of-use phrases. datatrove: `filter_policy`. */
  filter_policy: z.boolean().default(true),
});
export type C4Config = z.infer<typeof C4Config>;

/** `C4BadWordsFilter`: LDNOOBW word lists per language. */
export const C4BadWordsConfig = z.strictObject({
  /** Share of documents with a bad word kept anyway (chosen by a hash of the id and `seed`). datatrove: `keep_fraction`. */
  keep_fraction: ratio.max(1).default(0),
  /** datatrove: `seed`. */
  seed: z.number().int().default(0),
  /** Language of documents without `meta.language`. datatrove: `default_language`. */
  default_language: z.string().min(1).default('en'),
  /**
   * A language without a list: `keep` the document (counted), or send it to errors/. datatrove
   * raises by default (`fail_on_missing_language=True`); `error` is that behaviour.
   */
  missing_language: z.enum(['keep', 'error']).default('keep'),
});
export type C4BadWordsConfig = z.infer<typeof C4BadWordsConfig>;

/** `FineWebQualityFilter` (Penedo et al. 2024, FineWeb). */
export const FineWebConfig = z.strictObject({
  /** Non-empty lines ending in a stop character; below this the document goes. datatrove: `line_punct_thr`. */
  min_punct_line_ratio: ratio.default(0.12),
  /** Keep documents with no such line at all. datatrove: `line_punct_exclude_zero`. */
  punct_exclude_zero: z.boolean().default(false),
  /**
   * Line endings that count as punctuation; `null` = every Unicode sentence terminal (`.`, `!`,
   * `?`, `。`, `।`, ... : datatrove's TERMINAL_PUNCTUATION). datatrove: `stop_chars`.
   */
  stop_chars: z.array(z.string().min(1)).nullable().default(null),
  /** Lines of at most `short_line_length` characters. datatrove: `short_line_thr`. */
  max_short_line_ratio: ratio.default(0.67),
  /** datatrove: `short_line_length`. */
  short_line_length: count.default(30),
  /** Characters in duplicated lines over all characters but newlines. datatrove: `char_duplicates_ratio`. */
  max_duplicate_line_char_ratio: ratio.default(0.01),
  /** Newlines per word. datatrove: `new_line_ratio`. */
  max_newline_word_ratio: ratio.default(0.3),
});
export type FineWebConfig = z.infer<typeof FineWebConfig>;

export const QualityConfig = stageSchema('quality', {
  /** The rule families to run, in order; the first that removes a document decides. */
  rules: z
    .array(z.enum(FAMILIES))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'a rule family is listed twice')
    .default(['language', 'gopher_repetition', 'gopher_quality', 'c4', 'fineweb']),
  /** Measure every rule and write the values to `meta.quality`; remove nothing. */
  signals: z.boolean().default(false),
  /**
   * Word tokenizer: `auto` picks one by the document's language (`meta.language`, or what the
   * `language` family detected): Intl.Segmenter for Chinese, Japanese, Thai and other scripts
   * without spaces, spaCy's English rules otherwise. `spacy_en` always uses spaCy's rules.
   */
  word_tokenizer: z.enum(['auto', 'spacy_en']).default('auto'),
  language: LanguageConfig.prefault({}),
  gopher_quality: GopherQualityConfig.prefault({}),
  gopher_repetition: GopherRepetitionConfig.prefault({}),
  c4: C4Config.prefault({}),
  c4_badwords: C4BadWordsConfig.prefault({}),
  fineweb: FineWebConfig.prefault({}),
});
export type QualityConfig = z.infer<typeof QualityConfig>;
