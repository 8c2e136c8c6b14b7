// What the test command must do so that the browser tests find Chromium: nothing, install Debian's
// `chromium` with apt-get, or stop with a message that says what to install. Pure (no I/O), so its
// decisions are tested with fixtures (test/chromium-plan.test.ts); ensure-chromium.mjs runs it.

/** Where the browser tests look for Chromium unless TFSEG_CHROMIUM names another executable. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The tests that need it (named in every message, so a user knows why it is asked for). */
export const BROWSER_TESTS = ['apps/bench/src/report/html.e2e.test.ts'];

/** The apt-get commands that install Debian's chromium (non-interactive, as root). */
export const APT_COMMANDS = [
  ['apt-get', ['update', '-qq']],
  ['apt-get', ['install', '-y', '-qq', 'chromium']],
];

/**
 * Decides how to get Chromium.
 * @param {{ executable: string, executableExists: boolean, overridden: boolean, platform: string, isRoot: boolean, hasAptGet: boolean }} facts
 * @returns {{ action: 'none', executable: string } | { action: 'install', executable: string, commands: typeof APT_COMMANDS } | { action: 'fail', message: string }}
 */
export function chromiumPlan(facts) {
  const why = `Chromium is needed by the browser tests (${BROWSER_TESTS.join(', ')})`;
  if (facts.executableExists) return { action: 'none', executable: facts.executable };
  if (facts.overridden) {
    return { action: 'fail', message: `${why}, but TFSEG_CHROMIUM=${facts.executable} does not exist. Point TFSEG_CHROMIUM at a Chromium or Chrome executable, or unset it to use ${DEFAULT_CHROMIUM}.` };
  }
  if (facts.platform !== 'linux' || !facts.hasAptGet) {
    return {
      action: 'fail',
      message: `${why}, and ${DEFAULT_CHROMIUM} does not exist. This machine has no apt-get, so the test command cannot install it: install Chromium (or Chrome) with your package manager and set TFSEG_CHROMIUM=/path/to/its/executable, then run pnpm test again.`,
    };
  }
  if (!facts.isRoot) {
    return {
      action: 'fail',
      message: `${why}, and ${DEFAULT_CHROMIUM} does not exist. Installing it needs root: run \`sudo apt-get update && sudo apt-get install -y chromium\` (Debian's package), then pnpm test again; or set TFSEG_CHROMIUM=/path/to/chromium.`,
    };
  }
  return { action: 'install', executable: DEFAULT_CHROMIUM, commands: APT_COMMANDS };
}
