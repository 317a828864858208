import { describe, expect, it } from 'vitest';
import { normalizeWords } from '../../shared/query/text.js';

describe('normalizeWords: the one definition of a word (QUERY.md "Text")', () => {
  it('lower-cases and removes diacritics, so café finds cafe', () => {
    expect(normalizeWords('Café CRÈME naïve')).toEqual(['cafe', 'creme', 'naive']);
  });

  it('folds letters that carry their diacritic in the glyph', () => {
    expect(normalizeWords('Łódź Ørsted Straße Æsir')).toEqual(['lodz', 'orsted', 'strasse', 'aesir']);
  });

  it('splits on everything that is not a letter or a digit, and does not stem', () => {
    expect(normalizeWords("Contracts: alice@example.com, don't 3.14")).toEqual(['contracts', 'alice', 'example', 'com', 'don', 't', '3', '14']);
  });

  it('keeps non-Latin scripts as words', () => {
    expect(normalizeWords('Привет мир 東京')).toEqual(['привет', 'мир', '東京']);
  });
});
