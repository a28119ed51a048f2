/**
 * Kubernetes resource quantities (k8s.io/apimachinery `resource.Quantity`): the decoder's checks of a
 * quantity's text (`ParseQuantity`, reached through `Quantity.UnmarshalJSON`) and its value as a
 * number, for comparisons such as requests ≤ limits. Texts: `<signed number><suffix>`, the suffix a
 * binary SI one (`Ki` … `Ei`), a decimal SI one (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
 */

/** The text of `ErrFormatWrong`, with the regular expression it names. */
export const QUANTITY_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_SUFFIX_WRONG = "unable to parse quantity's suffix";
const QUANTITY_NUMERIC_WRONG = 'unable to parse numeric part of quantity';

const FORM = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const SUFFIX_POWER: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a quantity (a JSON string or number), as a float (exact for the magnitudes pod
 * resources use), or the error `ParseQuantity` answers: `ErrFormatWrong` (`QUANTITY_FORMAT_WRONG`),
 * `unable to parse quantity's suffix`, `unable to parse numeric part of quantity`.
 */
export function parseQuantity(v: unknown): number | { error: string } {
  if (typeof v === 'number') return Number.isFinite(v) ? v : { error: QUANTITY_FORMAT_WRONG };
  if (typeof v !== 'string') return { error: QUANTITY_FORMAT_WRONG };
  const text = v.trim();
  const m = FORM.exec(text);
  if (!m) return { error: QUANTITY_FORMAT_WRONG };
  const [, num, suffix] = m;
  let scale: number | undefined = SUFFIX_POWER[suffix];
  if (scale === undefined) {
    const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
    if (!exp) return { error: QUANTITY_SUFFIX_WRONG };
    scale = 10 ** Number(exp[1]);
  }
  if (!NUMBER.test(num)) return { error: QUANTITY_NUMERIC_WRONG };
  return Number(num) * scale;
}

/** The decoder's error for a quantity field holding `v` (`Quantity.UnmarshalJSON`), or undefined when it decodes. */
export function quantityFormatError(v: unknown): string | undefined {
  if (v === null) return undefined;
  const q = parseQuantity(v);
  return typeof q === 'number' ? undefined : q.error;
}
