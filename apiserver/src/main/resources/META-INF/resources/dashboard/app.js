// The dashboard: a token login, then three pages chosen by the URL's fragment — the resources (#/?kind=…&expect=…),
// one resource (#/r/{kind}/{name}) and the hosts (#/hosts). Everything shown is built with DOM calls and text nodes,
// never parsed as HTML, so nothing a resource or an event carries can run as script.

import { ApiError, call, json, session } from './api.js';
import { KINDS, LiveResources, POLL_MS } from './live.js';

const EXPECTED = ['running', 'stopped', 'not-installed'];
const REALTIME = ['running', 'stopped', 'not-installed', 'failed', 'unknown', 'installing', 'starting', 'stopping',
    'restarting', 'uninstalling'];
const HOSTS_REFRESH_MS = 10000;
const FLASH_MS = 15000;

const $ = (id) => document.getElementById(id);

/** An element: attributes (on… are listeners), then children (strings become text nodes; null and false are skipped). */
function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
        if (value === null || value === undefined || value === false) {
            continue;
        }
        if (key.startsWith('on')) {
            element.addEventListener(key.slice(2), value);
        } else if (key === 'class') {
            element.className = value;
        } else {
            element.setAttribute(key, value === true ? '' : String(value));
        }
    }
    for (const child of children.flat(Infinity)) {
        if (child !== null && child !== undefined && child !== false) {
            element.append(child instanceof Node ? child : String(child));
        }
    }
    return element;
}

function when(instant) {
    if (!instant) {
        return '';
    }
    const date = new Date(instant);
    return h('time', { datetime: instant, title: instant }, date.toLocaleString());
}

function stateBadge(state) {
    return h('span', { class: 'state state-' + (state || 'none'), 'data-state': state || '' }, state || '—');
}

function resourceHref(kind, name) {
    return `#/r/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
}

// ---- messages ------------------------------------------------------------------------------------------------------

let flashTimer = null;

/** A message at the top of the page: news fades after a while, an error stays until the next message. */
function flash(text, isError) {
    const box = $('flash');
    box.replaceChildren(text);
    box.className = isError ? 'flash error' : 'flash';
    box.hidden = false;
    clearTimeout(flashTimer);
    if (!isError) {
        flashTimer = setTimeout(() => (box.hidden = true), FLASH_MS);
    }
}

// ---- session -------------------------------------------------------------------------------------------------------

let live = null;
let view = null;
let renderQueued = false;

function showLogin(message) {
    live?.stop();
    live = null;
    view?.unmount?.();
    view = null;
    $('nav').hidden = true;
    $('view').replaceChildren();
    $('flash').hidden = true;
    $('login').hidden = false;
    const error = $('login-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('token').focus();
}

async function signIn(event) {
    event.preventDefault();
    const input = $('token');
    const token = input.value.trim();
    const error = $('login-error');
    if (!token) {
        error.textContent = 'Enter an API token.';
        error.hidden = false;
        return;
    }
    const button = $('sign-in');
    button.disabled = true;
    try {
        await json('GET', KINDS[0] + '?limit=1', { token });
    } catch (failure) {
        error.textContent = loginProblem(failure);
        error.hidden = false;
        return;
    } finally {
        button.disabled = false;
    }
    session.keep(token);
    input.value = '';
    startSession();
}

function loginProblem(failure) {
    if (!(failure instanceof ApiError)) {
        return 'The apiserver cannot be reached: ' + failure.message;
    }
    if (failure.status === 401) {
        return 'Wrong token: the apiserver refused it (' + failure.message + ').';
    }
    if (failure.status === 429) {
        return 'Too many failed sign-ins from this address: ' + failure.message;
    }
    return 'Sign-in failed: ' + failure.message;
}

function signOut() {
    session.forget();
    location.hash = '#/';
    showLogin(null);
}

function startSession() {
    $('login').hidden = true;
    $('nav').hidden = false;
    live = new LiveResources({
        onChange: scheduleRender,
        onMode: showMode,
        onRefused: (failure) => {
            session.forget();
            showLogin('Your token is no longer accepted (' + failure.message + '): sign in again.');
        },
    });
    live.start();
    route();
}

function showMode(modes) {
    const values = Object.values(modes);
    const mode = values.includes('reconnecting') ? 'reconnecting' : values.includes('polling') ? 'polling' : 'watch';
    const label = { watch: 'live', polling: `polling every ${POLL_MS / 1000} s`, reconnecting: 'reconnecting…' }[mode];
    const indicator = $('live');
    indicator.dataset.mode = mode;
    indicator.textContent = label;
    indicator.title = Object.entries(live?.errors || {}).map(([kind, text]) => `${kind}: ${text}`).join('\n');
}

function scheduleRender() {
    if (!renderQueued) {
        renderQueued = true;
        requestAnimationFrame(() => {
            renderQueued = false;
            view?.update();
        });
    }
}

// ---- routing -------------------------------------------------------------------------------------------------------

function route() {
    if (!live) {
        return;
    }
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query] = hash.split('?');
    view?.unmount?.();
    const parts = path.split('/').filter(Boolean).map(decodedOrAsIs);
    if (parts[0] === 'r' && parts.length === 3 && KINDS.includes(parts[1])) {
        view = resourcePage(parts[1], parts[2]);
    } else if (parts[0] === 'hosts') {
        view = hostsPage();
    } else {
        view = resourcesPage(new URLSearchParams(query || ''));
    }
    for (const link of document.querySelectorAll('#nav a')) {
        link.classList.toggle('current', link.dataset.page === (parts[0] === 'hosts' ? 'hosts' : 'resources'));
    }
    $('view').replaceChildren(view.element);
    view.update();
}

/** A path segment decoded; one that is not valid percent-encoding (typed by hand) is taken as it is. */
function decodedOrAsIs(segment) {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}

// ---- state buttons -------------------------------------------------------------------------------------------------

function stateButtons(kind, resource, { afterDelete } = {}) {
    const name = resource.name;
    const expect = resource.app?.status?.expect;
    const deleting = Boolean(resource.detail?.deleting);
    const buttons = [];
    const run = async (method, path, done) => {
        buttons.forEach((b) => (b.disabled = true));
        try {
            const answer = await (await call(method, path)).json();
            flash(done(answer), false);
            live.nudge(kind);
        } catch (failure) {
            flash(`${name}: ${failure.message}`, true);
        } finally {
            buttons.forEach((b) => (b.disabled = b.dataset.alwaysOff === 'true'));
        }
    };
    const base = `${kind}/${encodeURIComponent(name)}`;
    for (const target of EXPECTED) {
        const button = h('button', { type: 'button', class: 'action', 'data-action': target, 'aria-pressed': String(expect === target),
            title: `expect ${target}` }, target);
        button.addEventListener('click', () => run('PUT', `${base}/${target}`,
            (answer) => `${name}: expected ${answer.status.expect}; the reconciler drives every host there`));
        buttons.push(button);
    }
    const restart = h('button', { type: 'button', class: 'action', 'data-action': 'restart',
        title: expect === 'running' ? 'restart on every host, in turns' : 'only a resource expected running restarts' }, 'restart');
    restart.addEventListener('click', () => run('PUT', `${base}/restart`,
        () => `${name}: restart requested; hosts restart in turns`));
    buttons.push(restart);
    const remove = h('button', { type: 'button', class: 'action danger', 'data-action': 'delete',
        title: 'stop managing it; the application stays on its hosts' }, 'delete');
    remove.addEventListener('click', () => {
        if (confirm(`Stop managing ${kind} '${name}'? Its application stays on its hosts, and their agents forget it.`)) {
            run('DELETE', base, (answer) => { afterDelete?.(); return answer.message; });
        }
    });
    buttons.push(remove);
    const uninstall = h('button', { type: 'button', class: 'action danger', 'data-action': 'uninstall',
        title: 'uninstall from every host, then delete the record' }, 'uninstall & delete');
    uninstall.addEventListener('click', () => {
        if (confirm(`Uninstall ${kind} '${name}' from every host, then delete its record?`)) {
            run('DELETE', `${base}?uninstall=true`, (answer) => answer.message);
        }
    });
    buttons.push(uninstall);
    for (const button of buttons) {
        const off = deleting || (button === restart && expect !== 'running');
        button.dataset.alwaysOff = String(off);
        button.disabled = off;
    }
    return h('div', { class: 'actions' }, buttons);
}

// ---- the resources page --------------------------------------------------------------------------------------------

function select(name, label, values, chosen) {
    return h('label', {}, label + ' ',
        h('select', { name, 'data-filter': name }, h('option', { value: '' }, 'any'),
            values.map((value) => h('option', { value, selected: value === chosen }, value))));
}

function resourcesPage(query) {
    const filters = {
        kind: query.get('kind') || '', expect: query.get('expect') || '', realtime: query.get('realtime') || '',
        name: query.get('name') || '',
    };
    const form = h('form', { class: 'filters', role: 'search' },
        select('kind', 'Kind', KINDS, filters.kind),
        select('expect', 'Expect', EXPECTED, filters.expect),
        select('realtime', 'Realtime', REALTIME, filters.realtime),
        h('label', {}, 'Name ', h('input', { type: 'search', name: 'name', 'data-filter': 'name', value: filters.name,
            placeholder: 'part of a name', autocomplete: 'off' })));
    const summary = h('p', { class: 'summary' });
    const body = h('tbody');
    const table = h('table', { class: 'resources' },
        h('thead', {}, h('tr', {}, ['Kind', 'Name', 'Expect', 'Realtime', 'Hosts', 'Generation', 'Since', 'Actions']
            .map((title) => h('th', { scope: 'col' }, title)))), body);
    const onFilter = () => {
        for (const field of form.querySelectorAll('[data-filter]')) {
            filters[field.name] = field.value.trim();
        }
        const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
        history.replaceState(null, '', '#/' + (params.toString() ? '?' + params : ''));
        update();
    };
    form.addEventListener('input', onFilter);
    form.addEventListener('submit', (event) => event.preventDefault());

    function update() {
        const all = live.all();
        const shown = all.filter((r) => (!filters.kind || r.type === filters.kind)
            && (!filters.expect || r.app.status.expect === filters.expect)
            && (!filters.realtime || r.app.status.realtime === filters.realtime)
            && (!filters.name || r.name.toLowerCase().includes(filters.name.toLowerCase())))
            .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
        const counts = {};
        all.forEach((r) => (counts[r.app.status.realtime] = (counts[r.app.status.realtime] || 0) + 1));
        summary.textContent = `${shown.length} of ${all.length} resources`
            + (all.length ? ' — ' + Object.entries(counts).sort().map(([state, n]) => `${n} ${state}`).join(', ') : '');
        body.replaceChildren(...shown.map((r) => resourceRow(r)));
        if (shown.length === 0) {
            body.append(h('tr', {}, h('td', { colspan: 8, class: 'empty' },
                all.length ? 'No resource matches these filters.' : 'No resources yet (POST /apis/v1alpha1/{kind}/create).')));
        }
    }

    function resourceRow(r) {
        const hosts = r.detail.hosts || [];
        const rollout = r.detail.rollout;
        return h('tr', { 'data-resource': `${r.type}/${r.name}` },
            h('td', {}, r.type),
            h('td', {}, h('a', { href: resourceHref(r.type, r.name) }, r.name)),
            h('td', { class: 'expect' }, r.app.status.expect),
            h('td', { class: 'realtime' }, stateBadge(r.app.status.realtime), r.detail.deleting ? ' (deleting)' : ''),
            h('td', { class: 'hosts' }, hosts.map((host) => h('span', { class: 'host', title: host.realtime },
                host.ip, ' ', stateBadge(host.realtime)))),
            h('td', {}, String(r.detail.generation), rollout ? ` (roll-out ${rollout.updated}/${rollout.total})` : ''),
            h('td', {}, when(r.detail.realtime_since)),
            h('td', {}, stateButtons(r.type, r)));
    }

    return { element: h('section', { class: 'page', 'data-page': 'resources' }, h('h1', {}, 'Resources'), form, summary, table), update };
}

// ---- one resource --------------------------------------------------------------------------------------------------

function resourcePage(kind, name) {
    const head = h('div');
    const rollout = h('div', { class: 'rollout' });
    const hostsBody = h('tbody');
    const eventsBody = h('tbody');
    const logPanel = h('section', { class: 'log', hidden: true });
    let eventsVersion = null;
    let eventsLoading = false;
    let eventsShown = null;
    const openOutputs = new Set(); // operation ids whose output the user unfolded: kept unfolded across reloads
    let hadResource = false;

    async function loadEvents() {
        if (eventsLoading) {
            return;
        }
        eventsLoading = true;
        try {
            const events = await json('GET', `${kind}/${encodeURIComponent(name)}/events?limit=200`);
            // A new version of the resource (a health report, say) often brings no new event: leave the table be.
            const shown = JSON.stringify(events);
            if (shown !== eventsShown) {
                eventsShown = shown;
                eventsBody.replaceChildren(...events.map(eventRow));
            }
        } catch (failure) {
            eventsShown = null;
            eventsBody.replaceChildren(h('tr', {}, h('td', { colspan: 8, class: 'empty' }, failure.message)));
        } finally {
            eventsLoading = false;
        }
    }

    function eventRow(event) {
        const logPath = event.log || (event.operation_id && event.host
            ? `/apis/v1alpha1/${kind}/${encodeURIComponent(name)}/operations/${encodeURIComponent(event.operation_id)}/log?host=${encodeURIComponent(event.host)}`
            : null);
        return h('tr', { 'data-event': event.type },
            h('td', {}, when(event.at)),
            h('td', {}, event.type),
            h('td', {}, event.host || ''),
            h('td', {}, event.from || event.to ? `${event.from || ''} → ${event.to || ''}` : ''),
            h('td', {}, [event.cause, event.actor].filter(Boolean).join(' · ')),
            h('td', { class: 'message' }, event.message || ''),
            h('td', {}, event.exit_code !== undefined ? `exit ${event.exit_code}` : '',
                event.duration_ms !== undefined ? ` in ${event.duration_ms} ms` : ''),
            h('td', { class: 'output' },
                event.output_tail ? h('details', { open: openOutputs.has(event.operation_id),
                    ontoggle: (e) => (e.target.open ? openOutputs.add(event.operation_id) : openOutputs.delete(event.operation_id)) },
                h('summary', {}, 'output'), h('pre', {}, event.output_tail)) : '',
                logPath ? h('button', { type: 'button', class: 'link', 'data-log': event.operation_id, 'data-linked': String(Boolean(event.log)),
                    onclick: () => showLog(logPath, event) }, 'full log') : ''));
    }

    async function showLog(path, event) {
        logPanel.hidden = false;
        const text = h('pre', {}, 'loading…');
        logPanel.replaceChildren(h('h2', {}, `Log of ${event.type} ${event.operation_id} on ${event.host}`),
            h('button', { type: 'button', class: 'link', onclick: () => (logPanel.hidden = true) }, 'close'), text);
        logPanel.scrollIntoView({ block: 'nearest' });
        try {
            text.textContent = await (await call('GET', path, { accept: 'text/plain' })).text();
        } catch (failure) {
            text.textContent = 'The log cannot be read: ' + failure.message;
            text.className = 'error';
        }
    }

    function hostRow(host) {
        const inFlight = host.in_flight;
        return h('tr', { 'data-host': host.ip },
            h('td', {}, h('a', { href: '#/hosts' }, host.ip)),
            h('td', { class: 'realtime' }, stateBadge(host.realtime), host.removing ? ' (removing)' : '',
                host.parked ? ' (parked)' : ''),
            h('td', {}, String(host.generation)),
            h('td', {}, inFlight ? `${inFlight.action} since ` : '', inFlight ? when(inFlight.since) : '',
                host.planned ? ` (${host.planned})` : '', host.restart_pending ? ' restart pending' : ''),
            h('td', {}, host.failure_count ? String(host.failure_count) : '',
                host.next_retry_at ? [' — retry ', when(host.next_retry_at)] : ''),
            h('td', { class: 'message' }, host.last_error || ''),
            h('td', {}, host.last_check ? `${host.last_check.code === '0' ? 'healthy' : 'code ' + host.last_check.code} ` : '',
                host.last_check ? when(host.last_check.at) : '', host.last_check?.msg ? ` ${host.last_check.msg}` : ''));
    }

    function update() {
        const resource = live.get(kind, name);
        if (!resource) {
            head.replaceChildren(h('p', { class: hadResource ? 'error' : 'summary' },
                hadResource ? `${kind} '${name}' was deleted.` : `No ${kind} '${name}' (yet).`));
            rollout.replaceChildren();
            hostsBody.replaceChildren();
            if (eventsVersion === null) {
                eventsVersion = -1;
                loadEvents(); // its history stays after a delete
            }
            return;
        }
        hadResource = true;
        const d = resource.detail;
        head.replaceChildren(
            h('dl', { class: 'facts' },
                h('dt', {}, 'Expect'), h('dd', { class: 'expect' }, resource.app.status.expect),
                h('dt', {}, 'Realtime'), h('dd', { class: 'realtime' }, stateBadge(resource.app.status.realtime), ' since ',
                    when(d.realtime_since), d.deleting ? ' — being uninstalled for deletion' : ''),
                h('dt', {}, 'Generation'), h('dd', {}, String(d.generation)),
                h('dt', {}, 'Repository'), h('dd', {}, resource.app.repo_url),
                h('dt', {}, 'Created'), h('dd', {}, when(d.created_at)),
                h('dt', {}, 'Updated'), h('dd', {}, when(d.updated_at))),
            stateButtons(kind, resource, { afterDelete: () => (location.hash = '#/') }));
        const r = d.rollout;
        rollout.replaceChildren(r
            ? [h('h2', {}, 'Roll-out'),
                h('p', {}, `Generation ${r.generation}: ${r.updated} of ${r.total} hosts updated`,
                    r.in_progress?.length ? `; in progress: ${r.in_progress.join(', ')}` : '',
                    ` (at most ${r.max_in_flight} at once)`),
                h('progress', { max: r.total, value: r.updated }),
                r.paused ? h('p', { class: 'error' }, 'Paused: ' + (r.reason || 'a host of the turn failed')) : '']
            : h('p', { class: 'summary' }, `Every host runs generation ${d.generation}.`));
        hostsBody.replaceChildren(...(d.hosts || []).map(hostRow));
        if (d.version !== eventsVersion) {
            eventsVersion = d.version;
            loadEvents();
        }
    }

    const element = h('section', { class: 'page', 'data-page': 'resource' },
        h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Resources'), ` / ${kind} /`),
        h('h1', {}, name), head, rollout,
        h('h2', {}, 'Hosts'),
        h('table', { class: 'hosts' }, h('thead', {}, h('tr', {}, ['Host', 'Realtime', 'Generation', 'In flight', 'Failures',
            'Last error', 'Last check'].map((title) => h('th', { scope: 'col' }, title)))), hostsBody),
        h('h2', {}, 'Events'), logPanel,
        h('table', { class: 'events' }, h('thead', {}, h('tr', {}, ['At', 'Type', 'Host', 'State', 'Cause', 'Message', 'Result',
            'Output'].map((title) => h('th', { scope: 'col' }, title)))), eventsBody));
    return { element, update };
}

// ---- the hosts page ------------------------------------------------------------------------------------------------

function hostsPage() {
    const body = h('tbody');
    const status = h('p', { class: 'summary' }, 'loading…');
    let hosts = null;
    let timer = null;
    let gone = false;

    async function load() {
        try {
            hosts = await json('GET', 'hosts');
            status.textContent = `${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'}; read again every ${HOSTS_REFRESH_MS / 1000} s`;
            status.className = 'summary';
        } catch (failure) {
            status.textContent = failure.message;
            status.className = 'error';
        }
        update();
        if (!gone) {
            timer = setTimeout(load, HOSTS_REFRESH_MS);
        }
    }

    function update() {
        if (!hosts) {
            return;
        }
        const users = {};
        for (const r of live.all()) {
            for (const host of r.detail.hosts || []) {
                (users[host.ip] ||= []).push([r, host]);
            }
        }
        body.replaceChildren(...hosts.map((host) => h('tr', { 'data-host': host.ip },
            h('td', {}, host.ip),
            h('td', {}, String(host.agent_port)),
            h('td', {}, host.registered ? ['registered ', when(host.registered_at)] : 'installed over SSH'),
            h('td', {}, host.agent ? `${host.agent.account || ''} ${host.agent.version || ''}` : '',
                host.agent?.build ? h('span', { class: 'build', title: host.agent.build }, ` ${host.agent.build.slice(0, 12)}`) : ''),
            h('td', {}, host.ssh_host_key ? `${host.ssh_host_key.type} ${host.ssh_host_key.fingerprint}` : ''),
            h('td', { class: 'message' }, host.last_error || '', host.last_error_at ? [' — ', when(host.last_error_at)] : ''),
            h('td', {}, (users[host.ip] || []).map(([r, state]) => h('span', { class: 'host' },
                h('a', { href: resourceHref(r.type, r.name) }, r.name), ' ', stateBadge(state.realtime)))))));
        if (hosts.length === 0) {
            body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No hosts yet.')));
        }
    }

    load();
    return {
        element: h('section', { class: 'page', 'data-page': 'hosts' }, h('h1', {}, 'Hosts'), status,
            h('table', { class: 'hosts' }, h('thead', {}, h('tr', {}, ['Host', 'Agent port', 'Agent', 'Account, release, build',
                'SSH host key', 'Last error', 'Resources'].map((title) => h('th', { scope: 'col' }, title)))), body)),
        update,
        unmount: () => {
            gone = true;
            clearTimeout(timer);
        },
    };
}

// ---- start ---------------------------------------------------------------------------------------------------------

$('login').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
if (session.token()) {
    startSession();
} else {
    showLogin(null);
}
