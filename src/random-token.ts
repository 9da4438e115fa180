/**
 * Random hex for names that must only be unlikely to collide (a lock attempt's token, a temporary file's name),
 * never for secrets: Math.random, so that steplog's run path does not load `node:crypto`.
 */

/**
 * `digits` random lowercase hex digits.
 *
 * @example
 * ```ts
 * const tmp = `.journal.${process.pid}.${randomHex(12)}.tmp`;
 * ```
 */
export function randomHex(digits: number): string {
  let out = "";
  while (out.length < digits) out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return out.slice(0, digits);
}
