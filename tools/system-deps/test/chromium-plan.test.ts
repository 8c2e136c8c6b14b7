import { APT_COMMANDS, BROWSER_TESTS, DEFAULT_CHROMIUM, chromiumPlan } from '../chromium-plan.mjs';

const debianRoot = { executable: DEFAULT_CHROMIUM, executableExists: false, overridden: false, platform: 'linux', isRoot: true, hasAptGet: true };

describe('chromiumPlan: how pnpm test gets Chromium', () => {
  it('does nothing when the executable exists', () => {
    expect(chromiumPlan({ ...debianRoot, executableExists: true })).toEqual({ action: 'none', executable: DEFAULT_CHROMIUM });
    expect(chromiumPlan({ ...debianRoot, executableExists: true, isRoot: false, hasAptGet: false })).toEqual({ action: 'none', executable: DEFAULT_CHROMIUM });
  });

  it('installs Debian’s chromium with apt-get when missing on a Debian machine as root', () => {
    const plan = chromiumPlan(debianRoot);
    expect(plan).toEqual({ action: 'install', executable: DEFAULT_CHROMIUM, commands: APT_COMMANDS });
    expect(APT_COMMANDS.at(-1)).toEqual(['apt-get', ['install', '-y', '-qq', 'chromium']]);
  });

  it('fails, naming the sudo command, when not root', () => {
    const plan = chromiumPlan({ ...debianRoot, isRoot: false });
    expect(plan.action).toBe('fail');
    if (plan.action !== 'fail') return;
    expect(plan.message).toContain('sudo apt-get update && sudo apt-get install -y chromium');
    expect(plan.message).toContain(BROWSER_TESTS[0]);
  });

  it('fails, naming TFSEG_CHROMIUM, without apt-get or off Linux', () => {
    for (const facts of [{ ...debianRoot, hasAptGet: false }, { ...debianRoot, platform: 'darwin' }]) {
      const plan = chromiumPlan(facts);
      expect(plan.action).toBe('fail');
      if (plan.action === 'fail') expect(plan.message).toMatch(/no apt-get.*TFSEG_CHROMIUM=/);
    }
  });

  it('never installs over a TFSEG_CHROMIUM that points nowhere', () => {
    const plan = chromiumPlan({ ...debianRoot, executable: '/opt/chrome/chrome', overridden: true });
    expect(plan.action).toBe('fail');
    if (plan.action === 'fail') expect(plan.message).toContain('TFSEG_CHROMIUM=/opt/chrome/chrome does not exist');
  });
});
