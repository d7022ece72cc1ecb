/**
 * A number as plain decimal text, never in exponent notation (`1.5e-7` as `0.00000015`, `1e21` as
 * `1000000000000000000000`): as a CSV cell holds it and as a message tells the user to write it.
 */
export function plainNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  return /e/i.test(text)
    ? value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 })
    : text;
}
