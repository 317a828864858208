/**
 * The one definition of "a word" shared by every engine (QUERY.md "Text"): Unicode letters and
 * digits, lower-cased, with diacritics removed (NFKD, combining marks dropped). Everything else
 * separates words. Intl.Segmenter (UAX #29) was measured here at minutes for ten megabytes, so
 * words are runs of \p{L}\p{N}; the difference is that `don't` and `3.14` are two words each.
 */
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** Lower-case and remove diacritics: `Café` → `cafe`. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/** The words of a text, folded, in order. */
export function normalizeWords(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}
