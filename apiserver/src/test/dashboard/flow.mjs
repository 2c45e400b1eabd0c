// The dashboard's end-to-end flow in Debian's Chromium (DashboardIT prepares the system and runs this with node):
//   node flow.mjs <config.json>, with DASHBOARD_TOKEN (an admin's), DASHBOARD_VIEWER_TOKEN and DASHBOARD_WRONG_TOKEN in
//   the environment.
// Each step waits for what the page shows (no sleeps), keeps a screenshot, and any failure exits non-zero.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, launch } from './browser.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const token = process.env.DASHBOARD_TOKEN;
const viewerToken = process.env.DASHBOARD_VIEWER_TOKEN;
const wrongToken = process.env.DASHBOARD_WRONG_TOKEN;
const CONVERGE = 90_000;
const row = (name) => `tr[data-resource="${config.kind}/${name}"]`;

const context = await launch(config);
let page;
let step = 0;
async function shot(name) {
    const file = join(config.screenshots, `${String(++step).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log('screenshot: ' + file);
}

try {
    page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    const policyViolations = [];
    const listPolls = [];
    const offServer = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) {
            policyViolations.push(message.text());
        }
    });
    page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.origin !== new URL(config.url).origin) {
            offServer.push(request.url());
        }
        if (/^\/apis\/v1alpha1\/(database|middleware)$/.test(url.pathname) && url.searchParams.get('limit') === '1000') {
            listPolls.push(request.url());
        }
    });

    // The sign-in form, served without a token.
    const answer = await page.goto(config.url);
    check(answer.status() === 200, '/ answers 200 without a token');
    check((answer.headers()['content-security-policy'] || '').includes("script-src 'self'"), 'the page has its CSP');
    await page.locator('#login').waitFor({ state: 'visible' });
    await shot('sign-in');

    // A wrong token: a clear message on the form, and nothing kept.
    await page.fill('#token', wrongToken);
    await page.click('#sign-in');
    const error = page.locator('#login-error');
    await error.waitFor({ state: 'visible' });
    const errorText = await error.textContent();
    check(/Wrong token/.test(errorText) && /not valid/.test(errorText), 'a wrong token is refused on the form: ' + errorText);
    check(await page.evaluate(() => sessionStorage.length === 0), 'a refused token is not kept');
    check(await page.locator('#nav').isHidden(), 'still signed out');
    await shot('wrong-token');

    // The right token: kept in the session only — no cookie, no localStorage, not in the URL.
    await page.fill('#token', token);
    await page.click('#sign-in');
    await page.locator(row(config.name)).waitFor({ state: 'visible' });
    const storage = await page.evaluate(() => ({
        session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie, url: location.href,
    }));
    check(storage.session.length === 1 && storage.session[0] === token, 'the token is in sessionStorage');
    check(storage.local === 0 && storage.cookie === '' && !storage.url.includes(token), 'and nowhere else');
    check((await context.cookies()).length === 0, 'the browser holds no cookie');
    await page.locator('#live[data-mode="watch"]').waitFor({ timeout: 30_000 });
    check(true, 'the page keeps up by the watch');

    // The page's stream parser, in this browser, on frames split at awkward places: a CRLF and a two-byte character
    // across chunks, a field split in two, a comment (the heartbeat), a data field of two lines, an unterminated frame.
    const frames = await page.evaluate(async () => {
        const { serverSentEvents } = await import(new URL('dashboard/api.js', document.baseURI).href);
        const text = new TextEncoder();
        const chunks = [text.encode(': heartbeat\n\nid: 7\nevent: ADD'), text.encode('ED\ndata: {"name":"caf'),
            new Uint8Array([0xc3]), new Uint8Array([0xa9]), text.encode('",\ndata: "n":1}\r'), text.encode('\n\r\nid: 8\r\n'),
            text.encode('event: DELETED\ndata:{}\n\nid: 9\ndata: never ended')];
        const body = new ReadableStream({ start(controller) { chunks.forEach((c) => controller.enqueue(c)); controller.close(); } });
        const seen = [];
        for await (const frame of serverSentEvents(body)) {
            seen.push(frame);
        }
        return seen;
    });
    check(JSON.stringify(frames) === JSON.stringify([{ comment: 'heartbeat' },
        { id: '7', event: 'ADDED', data: '{"name":"café",\n"n":1}' }, { id: '8', event: 'DELETED', data: '{}' }]),
        'the stream parser reads split frames: ' + JSON.stringify(frames));

    // A resource created elsewhere (here, by this script through the API) appears without a reload.
    const created = await fetch(new URL('apis/v1alpha1/' + config.kind + '/create', config.url), {
        method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify(config.other),
    });
    check(created.status === 201, 'another resource created through the API');
    await page.locator(row(config.other.name)).waitFor({ state: 'visible' });
    check(true, 'it appears on the page by itself');

    // Filters: by name, then by realtime state.
    await page.fill('[data-filter="name"]', 'other');
    await page.locator(row(config.name)).waitFor({ state: 'detached' });
    check(await page.locator(row(config.other.name)).isVisible(), 'the name filter keeps only matching resources');
    await page.fill('[data-filter="name"]', '');
    await page.locator(row(config.name)).waitFor({ state: 'visible' });

    // running: the reconciler installs and starts it on the agent's host, and each state arrives on the page.
    const subject = page.locator(row(config.name));
    await subject.locator('button[data-action="running"]').click();
    await subject.locator('td.expect', { hasText: 'running' }).waitFor();
    await subject.locator('td.realtime [data-state="running"]').waitFor({ timeout: CONVERGE });
    check(true, `${config.name} turns running`);
    await shot('running');

    // stopped.
    await subject.locator('button[data-action="stopped"]').click();
    await subject.locator('td.realtime [data-state="stopped"]').waitFor({ timeout: CONVERGE });
    check((await subject.locator('td.expect').textContent()) === 'stopped', `${config.name} turns stopped`);
    await page.locator('#flash', { hasText: 'expected stopped' }).waitFor();
    const summary = await page.locator('[data-page="resources"] .summary').textContent();
    check(summary === '2 of 2 resources — 1 not-installed, 1 stopped', 'the count by state: ' + summary);
    await shot('stopped');

    // The resource's page: its host's state and its events (actions with their output, and the full log's link).
    await subject.locator(`a[href="#/r/${config.kind}/${config.name}"]`).click();
    await page.locator('[data-page="resource"] h1', { hasText: config.name }).waitFor();
    const host = page.locator(`table.hosts tr[data-host="${config.host}"]`);
    await host.locator('[data-state="stopped"]').waitFor();
    check(true, 'the resource page shows its host stopped');
    for (const action of ['install', 'start', 'stop']) {
        await page.locator('table.events tr[data-event="action"]', { hasText: `${action} succeeded` }).waitFor();
    }
    check(true, 'the events show the install, start and stop actions');
    const install = page.locator('table.events tr[data-event="action"]', { hasText: 'installed' }).first();
    await install.locator('summary').click();
    await install.locator('details[open] pre', { hasText: 'installed' }).waitFor();
    check(true, 'the install output is shown');
    await shot('resource');
    // A server whose events link the operation's log (its "log" field) must serve it; one without says so in its place.
    const logButton = install.locator('button[data-log]');
    const linked = (await logButton.getAttribute('data-linked')) === 'true';
    await logButton.click();
    const logPanel = page.locator('section.log pre');
    await logPanel.filter({ hasNotText: 'loading…' }).waitFor();
    const logText = await logPanel.textContent();
    check(linked ? /installed/.test(logText) && !/cannot be read/.test(logText) : /^The log cannot be read: /.test(logText),
        `the full log ${linked ? 'is shown' : 'says why it cannot be read'}: ${logText.slice(0, 160)}`);
    // Health reports keep changing the resource meanwhile: what the user unfolded stays unfolded.
    check(await install.locator('details[open] pre').isVisible(), 'the output is still unfolded');
    await shot('operation-log');

    // The hosts page: the registered agent's host, with the resources on it.
    await page.click('#nav a[data-page="hosts"]');
    const hostRow = page.locator(`[data-page="hosts"] tr[data-host="${config.host}"]`);
    await hostRow.waitFor();
    check(/registered/.test(await hostRow.textContent()), 'the host shows as registered');
    await hostRow.locator(`a[href="#/r/${config.kind}/${config.name}"]`).waitFor();
    check(true, 'with its resources');
    await shot('hosts');

    // delete, confirmed: the record goes, and with it its line.
    await page.click('#nav a[data-page="resources"]');
    const other = page.locator(row(config.other.name));
    page.once('dialog', (dialog) => dialog.accept());
    await other.locator('button[data-action="delete"]').click();
    await other.waitFor({ state: 'detached' });
    await page.locator('#flash', { hasText: `deleted ${config.kind} '${config.other.name}'` }).waitFor();
    check(true, `${config.other.name} deleted`);

    // Live updates by the watch make no list request (flow-polling.mjs has the page without the watch).
    check(listPolls.length === 0, 'with the watch stream, the list was never polled');
    check(offServer.length === 0, 'nothing was fetched from anywhere but the apiserver: ' + offServer.join(' '));
    check(pageErrors.length === 0, 'no script error: ' + pageErrors.join('; '));
    check(policyViolations.length === 0, 'no Content-Security-Policy violation: ' + policyViolations.join('; '));

    // Signing out forgets the token.
    await page.click('#sign-out');
    await page.locator('#login').waitFor({ state: 'visible' });
    check(await page.evaluate(() => sessionStorage.length === 0), 'signing out forgets the token');

    // A viewer sees everything, and a state button it presses is refused with the API's reason, shown on the page.
    await page.fill('#token', viewerToken);
    await page.click('#sign-in');
    await subject.locator('td.realtime [data-state="stopped"]').waitFor();
    await subject.locator('button[data-action="running"]').click();
    const refusal = page.locator('#flash.error');
    await refusal.waitFor();
    const refusalText = await refusal.textContent();
    check(/token 'dashboard-viewer' is a viewer; PUT .*needs (an )?operator/.test(refusalText), 'a viewer is refused: ' + refusalText);
    check((await subject.locator('td.expect').textContent()) === 'stopped', 'and nothing changed');
    await shot('viewer-refused');
} catch (failure) {
    console.log(failure.stack || String(failure));
    if (page) {
        await page.screenshot({ path: join(config.screenshots, 'failure.png'), fullPage: true }).catch(() => {});
    }
    process.exitCode = 1;
} finally {
    await context.close();
}
