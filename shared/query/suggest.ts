/**
 * The operator vocabulary (QUERY.md "Fields") and the "did you mean" for names outside it.
 * It lives apart from the lexer and the parser because both need the names.
 */

export const OPERATOR_NAMES = [
  'from',
  'to',
  'cc',
  'bcc',
  'participants',
  'custodian',
  'subject',
  'body',
  'attachment',
  'has',
  'messageid',
  'sent',
  'received',
  'size',
] as const;

export type OperatorName = (typeof OPERATOR_NAMES)[number];

const KNOWN: ReadonlySet<string> = new Set(OPERATOR_NAMES);

export function isOperatorName(name: string): name is OperatorName {
  return KNOWN.has(name);
}

/**
 * Names that Gmail / Google Vault and Purview (KQL) users type from habit. Spelling distance would
 * not find these, and a pointer to the Coffer form is more use than "unknown operator".
 */
const HABITS: ReadonlyMap<string, string> = new Map([
  ['filename', 'attachment:'],
  ['attachmentnames', 'attachment:'],
  ['hasattachment', 'has:attachment'],
  ['recipients', 'participants:'],
  ['date', 'sent:'],
  ['after', 'sent>='],
  ['before', 'sent<'],
  ['larger', 'size>'],
  ['smaller', 'size<'],
]);

/** Longer names are not typos of ours; also bounds the quadratic distance on hostile input. */
const MAX_NAME = 32;

const COMPARES: ReadonlySet<string> = new Set(['sent', 'received', 'size']);

/**
 * The operator the user probably meant, written as they should type it (`from:`, `size>`), or
 * undefined. `name` is lower-cased; `comparator` is what followed it, kept where it applies.
 */
export function suggestOperator(name: string, comparator = ':'): string | undefined {
  const habit = HABITS.get(name);
  if (habit !== undefined) return habit;
  if (name.length > MAX_NAME) return undefined;
  // One edit for short names: with two, `in:` or `re:` would "suggest" to: and mislead.
  const allowed = name.length <= 5 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const known of OPERATOR_NAMES) {
    const d = editDistance(name, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return `${best}${COMPARES.has(best) ? comparator : ':'}`;
}

/**
 * Optimal string alignment distance: Levenshtein plus adjacent transposition, because the most
 * common slip (`form` for `from`) is a swap, which plain Levenshtein counts as two edits.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows (two back, previous, current) keep this O(len(b)) in memory.
  let twoBack: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (twoBack[j - 2] ?? 0) + 1);
      }
      cur.push(d);
    }
    twoBack = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
