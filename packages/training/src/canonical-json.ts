/**
 * JSON with object keys sorted at every level and `undefined` fields dropped (`undefined` array items
 * become `null`, as in JSON.stringify), so equal settings give equal text whatever their key order. It
 * identifies a training configuration in checkpoints and model cards, and the bench hashes it to run ids.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
