import { ValidationError } from '../runtime/errors';

/**
 * Shops send money as decimal strings ("129.90", "1000", "12.345"); Lojal counts in integer
 * minor units. The conversion is done on the digits, never through a float, so "0.29" is 29
 * öre and not 28.999….
 */

/** ISO 4217 minor-unit exponents that differ from 2, for currencies a webshop may sell in. */
const ISO_EXPONENTS: Readonly<Record<string, number>> = {
  BHD: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

/** The exponent of `currency`: the client's override, else ISO 4217's, else 2. */
export function currencyExponent(currency: string, overrides: Readonly<Record<string, number>> = {}): number {
  return overrides[currency] ?? ISO_EXPONENTS[currency] ?? 2;
}

const DECIMAL = /^(-)?(\d{1,15})(?:\.(\d{1,12}))?$/;

/**
 * "129.90" in SEK → 12990; "1000" in JPY → 1000; "12.345" in KWD → 12345. A value with more
 * decimals than the currency has is refused unless the extra digits are zeros ("10.500" SEK is
 * 1050), since rounding money silently would change what a customer paid.
 * @throws ValidationError naming `field`
 */
export function toMinorUnits(
  value: string | number,
  currency: string,
  field: string,
  overrides: Readonly<Record<string, number>> = {},
): number {
  // JSON numbers from a shop are turned back into their shortest decimal text, which is what the shop wrote.
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'NaN') : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new ValidationError(field, `must be a decimal amount such as 129.90, got "${text.slice(0, 40)}"`);
  const [, sign, whole = '0', fraction = ''] = match;
  const exponent = currencyExponent(currency, overrides);
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  if (/[^0]/.test(fraction.slice(exponent))) {
    throw new ValidationError(field, `has more decimals than ${currency} has (${exponent})`);
  }
  const minor = Number(`${whole}${kept}`);
  if (!Number.isSafeInteger(minor)) throw new ValidationError(field, 'is too large');
  return sign === '-' && minor !== 0 ? -minor : minor;
}
