/**
 * Text normalisation for duplicate detection: two texts that differ only in case, digits,
 * punctuation, spacing or accents normalise to the same string.
 */
import { z } from 'zod';

export const Normalization = z.strictObject({
  lowercase: z.boolean().default(true),
  /** Every digit becomes 0, so dates and counters do not hide a duplicate. */
  digits_to_zero: z.boolean().default(true),
  punctuation_to_space: z.boolean().default(true),
  strip_diacritics: z.boolean().default(true),
  collapse_whitespace: z.boolean().default(true),
});
export type Normalization = z.infer<typeof Normalization>;

const combiningMarks = /\p{M}+/gu;
const digits = /\p{Nd}/gu;
const punctuation = /[\p{P}\p{S}]+/gu;
const whitespace = /\s+/gu;

export function normalizeText(text: string, options: Normalization): string {
  let t = text;
  if (options.strip_diacritics) t = t.normalize('NFD').replace(combiningMarks, '');
  if (options.lowercase) t = t.toLowerCase();
  if (options.digits_to_zero) t = t.replace(digits, '0');
  if (options.punctuation_to_space) t = t.replace(punctuation, ' ');
  if (options.collapse_whitespace) t = t.replace(whitespace, ' ').trim();
  return t;
}
