// Text helpers shared by the customer agent's rules: one normalisation so that the classifier,
// the product matcher and the FAQ matcher agree on what a "word" is.

/**
 * Lower case, accents dropped ("envío" → "envio", "prêt" → "pret") so that customers who type
 * with or without them match the same rules, apostrophes removed ("don't" → "dont"), everything
 * that is not a letter or digit turned into single spaces. Decimal points between digits stay
 * ("49.90"), as do hyphens inside SKUs ("VX-65").
 */
export function normalize(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/(\d)[.,](\d)/g, '$1.$2')
    .replace(/[^\p{L}\p{N}.-]+|(?<!\d)\.|\.(?!\d)|-(?!\p{L}|\p{N})|(?<!\p{L}|\p{N})-/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const n = normalize(text);
  return n === '' ? [] : n.split(' ');
}

/**
 * A deliberately small stemmer: plural and verb endings off ("shipping" / "ships" / "shipped"
 * → "ship", "returns" → "return"), so FAQ keywords match the forms customers type. Short words
 * are left alone so that "is" or "us" do not collapse.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('es') && w.length > 4 && /(?:ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // "shipp" (from shipping/shipped) → "ship": a doubled final consonant left by the cut
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && w !== word) w = w.slice(0, -1);
  return w;
}

/** Words too common to identify a product or an FAQ entry. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'and', 'or', 'of', 'for', 'to', 'in', 'on', 'at', 'by', 'with', 'from', 'is', 'are', 'was', 'be',
  'it', 'its', 'this', 'that', 'these', 'those', 'i', 'me', 'my', 'we', 'us', 'our', 'you', 'your', 'do', 'does',
  'did', 'can', 'could', 'would', 'will', 'how', 'what', 'when', 'where', 'which', 'who', 'why', 'much', 'many',
  'have', 'has', 'any', 'there', 'please', 'pls', 'hi', 'hello', 'hey', 'thanks', 'thank', 'if', 'about', 'get',
  'still', 'so', 'just', 'some', 'up', 'new', 'not', 'no', 'yes', 'u', 'ur', 'im', 'am', 'need', 'want', 'like',
]);

/** The token contains a digit: a price, a quantity, a size, an order number. */
export const hasDigit = (t: string): boolean => /\d/.test(t);
