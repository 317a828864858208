/**
 * The one definition of "a word" shared by every engine (QUERY.md "Text"): Unicode letters and
 * digits, lower-cased, with diacritics removed (NFKD, combining marks dropped). Everything else
 * separates words. Intl.Segmenter (UAX #29) was measured here at minutes for ten megabytes, so
 * words are runs of \p{L}\p{N}; the difference is that `don't` and `3.14` are two words each.
 */
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
/** Letters whose diacritic is part of the glyph, so NFKD leaves them alone (as ASCII folding maps them). */
const UNDECOMPOSED: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ħ: 'h', ŧ: 't', ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th', ð: 'd', ı: 'i' };
const UNDECOMPOSED_RE = /[øłđħŧßæœþðı]/g;

/** Lower-case and remove diacritics: `Café` → `cafe`, `Łódź` → `lodz`. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(UNDECOMPOSED_RE, (c) => UNDECOMPOSED[c] ?? c);
}

/** The words of a text, folded, in order. */
export function normalizeWords(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}

/** Attachment names and `*.ext` values are folded like words, but kept whole. */
export function foldFileName(name: string): string {
  return foldText(name.trim());
}

/** `Sub.Example.COM` → `com.example.sub.`: "that domain or a subdomain" becomes "starts with". */
export function reversedDomain(domain: string): string {
  const labels = domain.trim().toLowerCase().replace(/^@/, '').replace(/^\.+|\.+$/g, '');
  return labels === '' ? '' : `${labels.split('.').reverse().join('.')}.`;
}

/** The part before the last `@`, or the whole text when there is none (searchable like a name). */
export function localPartOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

/** The part after the last `@`, or '' when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

/** Every dot-ending of every folded file name: `a.tar.gz` has `tar.gz` and `gz`, so `*.gz` is one lookup. */
export function fileExtensions(names: readonly string[]): Set<string> {
  const result = new Set<string>();
  for (const name of names) {
    const folded = foldFileName(name);
    for (let dot = folded.indexOf('.'); dot >= 0; dot = folded.indexOf('.', dot + 1)) {
      const ext = folded.slice(dot + 1);
      if (ext !== '') result.add(ext);
    }
  }
  return result;
}
