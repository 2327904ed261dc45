// What V8 makes of an object's layout, for tests that guard against per-object hidden classes
// (allocated in the old generation) and dictionary-mode objects. Uses V8's natives syntax, enabled
// for the functions compiled here only.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/** How many distinct hidden classes the objects have. */
export function hiddenClasses(objects: readonly object[]): number {
  const seen: object[] = [];
  for (const o of objects) if (!seen.some((s) => sameMap(s, o))) seen.push(o);
  return seen.length;
}

/** Whether V8 keeps the object's properties in fast mode (not a dictionary). */
export function hasFastProperties(o: object): boolean {
  return fast(o);
}
