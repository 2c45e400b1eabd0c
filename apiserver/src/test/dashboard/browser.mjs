// What the dashboard flows share: Debian's Chromium, launched headless with a profile of the test's own, checks
// that say what they found, and signals that tell the test a step is reached.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** A failed check ends the flow with what was expected; a passed one is logged. */
export function check(condition, what) {
    if (!condition) {
        throw new Error('failed: ' + what);
    }
    console.log('ok: ' + what);
}

/** The browser of config.chromium with the profile config.profile. */
export function launch(config) {
    return chromium.launchPersistentContext(config.profile, {
        executablePath: config.chromium,
        headless: true,
        chromiumSandbox: false,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1360, height: 860 },
    });
}

/** Tells the test (DashboardIT) that the flow reached a step: an empty file of that name in config.signals. */
export function signal(config, name) {
    writeFileSync(join(config.signals, name), '');
    console.log('signalled: ' + name);
}
