/**
 * datatrove's filters, by the names its per-document decisions use (../shared/reference), each as
 * the quality-stage config that implements the same filter with datatrove's defaults. The parity
 * test and the reference-agreement benchmark compare them document by document.
 */
export const DATATROVE_FILTERS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gopher_quality: { rules: ['gopher_quality'] },
  gopher_repetition: { rules: ['gopher_repetition'] },
  c4_quality: { rules: ['c4'] },
  // FineWeb's C4 step keeps lines without terminal punctuation (C4QualityFilter(filter_no_terminal_punct=False)).
  c4_quality_fineweb: { rules: ['c4'], c4: { filter_no_terminal_punct: false } },
  fineweb_quality: { rules: ['fineweb'] },
  c4_badwords: { rules: ['c4_badwords'] },
};
