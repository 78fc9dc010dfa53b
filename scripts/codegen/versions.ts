/** A version range from the schema language: "3+", "0-7", "5" or "none". */
export interface VersionRange {
  readonly min: number;
  /** Inclusive; Infinity for an open range. */
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

export function parseVersions(spec: string | undefined, fallback: VersionRange = NO_VERSIONS): VersionRange {
  if (spec === undefined) return fallback;
  const s = spec.trim();
  if (s === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`invalid version spec "${spec}"`);
}

export function isEmpty(r: VersionRange): boolean {
  return r.min > r.max;
}

export function contains(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

/**
 * A TypeScript condition on `version` that is true for the versions of `r`, simplified
 * against the versions the enclosing message can have. Returns 'true' or 'false' when
 * the answer does not depend on the version.
 */
export function condition(r: VersionRange, within: VersionRange, variable = 'version'): string {
  const range = intersect(r, within);
  if (isEmpty(range)) return 'false';
  const needMin = range.min > within.min;
  const needMax = range.max < within.max;
  if (!needMin && !needMax) return 'true';
  if (needMin && needMax) {
    return range.min === range.max ? `${variable} === ${range.min}` : `${variable} >= ${range.min} && ${variable} <= ${range.max}`;
  }
  return needMin ? `${variable} >= ${range.min}` : `${variable} <= ${range.max}`;
}
