// The dashboard behind a proxy that refuses event streams (DashboardIT runs this with node):
//   node flow-polling.mjs <config.json>, with DASHBOARD_TOKEN in the environment.
// Every watch request of the page is answered 502 by the browser's own routing, as such a proxy answers; every other
// request reaches the apiserver. The page must say it polls, and show a resource created and then deleted through
// the API (files in config.signals tell the test when) by polling the list.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, launch, signal } from './browser.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const WAIT = 30_000;
const row = (name) => `tr[data-resource="${config.kind}/${name}"]`;

const context = await launch(config);
let page;
try {
    const refusedWatches = [];
    const listPolls = [];
    await context.route((url) => url.searchParams.get('watch') === 'true', (route) => {
        refusedWatches.push(route.request().url());
        return route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' });
    });
    page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
        const url = new URL(request.url());
        if (/^\/apis\/v1alpha1\/(database|middleware)$/.test(url.pathname) && url.searchParams.get('limit') === '1000') {
            listPolls.push(request.url());
        }
    });
    await page.goto(config.url);
    await page.fill('#token', process.env.DASHBOARD_TOKEN);
    await page.click('#sign-in');
    const live = page.locator('#live[data-mode="polling"]');
    await live.waitFor({ timeout: WAIT });
    const said = await live.textContent();
    check(/polling every 2 s/.test(said), 'the header says the page polls: ' + said);
    check(refusedWatches.length >= 1, `it asked for the watch first (${refusedWatches.length} refused)`);

    signal(config, 'polling');
    await page.locator(row(config.name)).waitFor({ state: 'visible', timeout: WAIT });
    check(true, `${config.name}, created through the API, shown by a poll`);
    await page.screenshot({ path: join(config.screenshots, 'polling.png'), fullPage: true });
    signal(config, 'shown');
    await page.locator(row(config.name)).waitFor({ state: 'detached', timeout: WAIT });
    check(true, `${config.name}, deleted through the API, gone by a poll`);
    check(listPolls.length >= 3, `the list was polled (${listPolls.length} times)`);
    check(await page.locator('#live[data-mode="polling"]').count() === 1, 'still polling: the watch is tried again after a minute');
    check(pageErrors.length === 0, 'no script error: ' + pageErrors.join('; '));
} catch (failure) {
    console.log(failure.stack || String(failure));
    if (page) {
        await page.screenshot({ path: join(config.screenshots, 'polling-failure.png'), fullPage: true }).catch(() => {});
    }
    process.exitCode = 1;
} finally {
    await context.close();
}
