/**
 * Paths that last a minute without leaving their stretch: world/layout.py's
 * ping_pong and _sweep, element for element in the same float64 operations.
 */

/** numpy's float remainder (np.mod): C fmod moved into the divisor's sign; JS `%` is fmod. */
export function npMod(a: number, b: number): number {
  const m = a % b;
  if (m === 0) return b < 0 ? -0 : 0;
  return b < 0 !== m < 0 ? m + b : m;
}

export interface Path {
  position: Float64Array;
  direction: Float64Array; // +1 while travelling towards hi, -1 on the way back
}

/**
 * Positions after travelling `distance` from `start` towards `hi`, turning
 * back at either end of [lo, hi]. Equal to start + distance while that stays inside.
 */
export function pingPong(start: number, lo: number, hi: number, distance: Float64Array): Path {
  const n = distance.length;
  const span = hi - lo;
  if (span <= 0) return { position: new Float64Array(n).fill(lo), direction: new Float64Array(n).fill(1) };
  const position = new Float64Array(n);
  const direction = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = npMod(start - lo + distance[i]!, 2 * span); // along the unfolded path
    const outward = u <= span; // at the far end itself it still faces the way it came
    position[i] = lo + (outward ? u : 2 * span - u);
    direction[i] = outward ? 1 : -1;
  }
  return { position, direction };
}

/** pingPong towards hi (forward) or, mirrored, towards lo from `start`. */
export function sweep(start: number, lo: number, hi: number, distance: Float64Array, forward: boolean): Path {
  if (forward) return pingPong(start, lo, hi, distance);
  const { position, direction } = pingPong(lo + hi - start, lo, hi, distance);
  return { position: position.map((p) => lo + hi - p), direction: direction.map((d) => -d) };
}
