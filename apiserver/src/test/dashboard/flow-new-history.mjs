// The dashboard follows an apiserver that comes back with another database (DashboardIT runs this with node):
//   node flow-new-history.mjs <config.json>, with DASHBOARD_TOKEN in the environment.
// The page lists the old apiserver's resources and sees one change live; then (files in config.signals tell the test
// when) that apiserver is stopped and a fresh one starts in its place, with a resource of its own. The page, resuming
// from an event id the new apiserver never had, must list afresh: the new resource shown, the old ones gone.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, launch, signal } from './browser.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const WAIT = 120_000;
const row = (name) => `tr[data-resource="${config.kind}/${name}"]`;

const context = await launch(config);
let page;
try {
    page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(config.url);
    await page.fill('#token', process.env.DASHBOARD_TOKEN);
    await page.click('#sign-in');
    await page.locator(row(config.old[0])).waitFor({ state: 'visible', timeout: WAIT });
    await page.locator('#live[data-mode="watch"]').waitFor({ timeout: 30_000 });
    check(true, `the old apiserver's ${config.old[0]} is listed, by the watch`);
    signal(config, 'listed');
    // A change after the listing: the page now resumes from that change's id, not from a fresh listing.
    await page.locator(row(config.old[1])).waitFor({ state: 'visible', timeout: WAIT });
    check(true, `${config.old[1]}, created after the listing, shown live`);
    signal(config, 'changed');

    await page.locator(row(config.fresh)).waitFor({ state: 'visible', timeout: WAIT });
    check(true, `the new apiserver's ${config.fresh} is shown`);
    for (const name of config.old) {
        await page.locator(row(name)).waitFor({ state: 'detached', timeout: WAIT });
    }
    check(true, 'and the old apiserver\'s resources are gone: the page listed afresh');
    await page.locator('#live[data-mode="watch"]').waitFor({ timeout: 30_000 });
    check(true, 'it keeps up by the watch again');
    check(pageErrors.length === 0, 'no script error: ' + pageErrors.join('; '));
    await page.screenshot({ path: join(config.screenshots, 'new-history.png'), fullPage: true });
} catch (failure) {
    console.log(failure.stack || String(failure));
    if (page) {
        await page.screenshot({ path: join(config.screenshots, 'new-history-failure.png'), fullPage: true }).catch(() => {});
    }
    process.exitCode = 1;
} finally {
    await context.close();
}
