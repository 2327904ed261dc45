// One place that decides what a missing prerequisite (control-plane binaries,
// helm) means: on a developer's machine the suite is skipped with one line that
// says why and how to get it; in CI (CI=true) the run fails, so an end-to-end
// suite can never pass by not running.

/** True when running in CI, where every end-to-end suite must run. */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

const announced = new Set<string>();

/** Skips the suite (outside CI) or fails it (in CI) for a missing prerequisite. */
export function missingPrerequisite(ctx: Mocha.Context, reason: string): never {
  if (inCI()) throw new Error(`${reason}: CI=true, so the end-to-end suites must run, not be skipped`);
  if (!announced.has(reason)) {
    console.log(`    skipped: ${reason}`);
    announced.add(reason);
  }
  ctx.skip();
}
