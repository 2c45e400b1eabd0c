// Every resource of both kinds, kept current: each kind's watch stream (GET /{kind}?watch=true, text/event-stream)
// when the server has it; when it answers anything else, the list polled every POLL_MS, and the watch tried again
// every WATCH_RETRY_MS.

import { ApiError, apiUrl, json, problemOf, serverSentEvents, session } from './api.js';

export const KINDS = ['database', 'middleware'];
export const POLL_MS = 2000;
const WATCH_RETRY_MS = 60000;
const RECONNECT_MS = 2000;

class WatchUnavailable extends Error {}

export class LiveResources {
    /**
     * @param onChange called after any resource changed
     * @param onMode called with {kind: 'watch' | 'polling' | 'reconnecting'} when a kind's way of keeping up changes
     * @param onRefused called once when the server refuses the token (401): the session is over
     */
    constructor({ onChange, onMode, onRefused }) {
        this.byKind = Object.fromEntries(KINDS.map((kind) => [kind, new Map()]));
        this.modes = {};
        this.errors = {};
        this.callbacks = { onChange, onMode, onRefused };
        this.stopper = new AbortController();
        this.wakers = {};
        // Per kind, the id to resume from after the last event taken (null: list afresh), kept across a dropped stream.
        this.positions = {};
    }

    start() {
        KINDS.forEach((kind) => this.follow(kind));
    }

    stop() {
        this.stopper.abort();
    }

    all() {
        return KINDS.flatMap((kind) => [...this.byKind[kind].values()]);
    }

    get(kind, name) {
        return this.byKind[kind]?.get(name);
    }

    /** After a change made here: a polling kind lists at once rather than at its next turn (a watch sees it anyway). */
    nudge(kind) {
        this.wakers[kind]?.();
    }

    setMode(kind, mode) {
        if (this.modes[kind] !== mode) {
            this.modes[kind] = mode;
            this.callbacks.onMode({ ...this.modes });
        }
    }

    async follow(kind) {
        let lastEventId = null;
        let watchTriedAt = 0;
        while (!this.stopper.signal.aborted) {
            try {
                if (Date.now() - watchTriedAt >= WATCH_RETRY_MS || this.modes[kind] !== 'polling') {
                    watchTriedAt = Date.now();
                    lastEventId = await this.watch(kind, lastEventId);
                    // The stream ended (410 or 503 from the server, or a dropped connection): resume, a moment later.
                    await this.pause(kind, RECONNECT_MS / 4);
                    continue;
                }
                await this.list(kind);
                await this.pause(kind, POLL_MS);
            } catch (failure) {
                if (this.stopper.signal.aborted) {
                    return;
                }
                if (failure instanceof ApiError && failure.status === 401) {
                    this.callbacks.onRefused(failure);
                    return;
                }
                if (failure instanceof WatchUnavailable) {
                    this.setMode(kind, 'polling');
                    continue;
                }
                // A dropped stream resumes after its last event, not from a fresh listing of everything.
                lastEventId = this.positions[kind] ?? null;
                this.errors[kind] = failure.message;
                this.setMode(kind, 'reconnecting');
                await this.pause(kind, RECONNECT_MS);
            }
        }
    }

    /** Follows one watch stream to its end; answers the Last-Event-ID to resume with (null: list afresh). */
    async watch(kind, lastEventId) {
        const headers = { Authorization: 'Bearer ' + session.token(), Accept: 'text/event-stream' };
        if (lastEventId !== null) {
            headers['Last-Event-ID'] = lastEventId;
        }
        const response = await fetch(apiUrl(kind + '?watch=true'), {
            headers, signal: this.stopper.signal, cache: 'no-store', credentials: 'omit', redirect: 'error',
        });
        if (response.status === 401) {
            throw await problemOf(response);
        }
        // A server without the watch answers the plain list (200 JSON) or an error: poll instead.
        if (response.status !== 200 || !(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
            await response.body?.cancel();
            throw new WatchUnavailable(`watch answered ${response.status}`);
        }
        const resources = this.byKind[kind];
        if (lastEventId === null) {
            resources.clear(); // the stream starts with every existing resource as ADDED
            this.callbacks.onChange(kind, null);
        }
        this.setMode(kind, 'watch');
        delete this.errors[kind];
        let resume = lastEventId;
        this.positions[kind] = resume;
        // A fresh stream starts with every resource, all under the snapshot's id; resuming from that id when the stream
        // ends before a later id came would skip the part of the listing not yet received: list afresh instead.
        let snapshotId = lastEventId === null ? undefined : null;
        for await (const frame of serverSentEvents(response.body)) {
            if (frame.comment !== undefined) {
                continue;
            }
            if (frame.event === 'ERROR') {
                const problem = JSON.parse(frame.data);
                this.errors[kind] = problem.detail || problem.title;
                // 410: the server's history no longer reaches back to our last id; 400 naming it: the server knows no
                // such id (it came back with another database); either way list afresh. Anything else: resume from it.
                const unknownId = problem.status === 400 && resume !== null
                    && (problem.errors || []).some((error) => error.field === 'Last-Event-ID');
                return problem.status === 410 || unknownId ? null : resume;
            }
            const resource = JSON.parse(frame.data);
            if (frame.event === 'DELETED') {
                resources.delete(resource.name);
            } else {
                resources.set(resource.name, resource);
            }
            if (snapshotId === undefined) {
                snapshotId = frame.id;
            } else if (snapshotId !== null && frame.id !== snapshotId) {
                snapshotId = null;
            }
            resume = snapshotId === null ? frame.id ?? resume : null;
            this.positions[kind] = resume;
            this.callbacks.onChange(kind, resource.name);
        }
        return resume;
    }

    /** Every page of the kind's list, replacing what was known. */
    async list(kind) {
        const fresh = new Map();
        let after = null;
        do {
            const page = await json('GET', kind + '?limit=1000' + (after ? '&continue=' + encodeURIComponent(after) : ''),
                { signal: this.stopper.signal });
            page.items.forEach((resource) => fresh.set(resource.name, resource));
            after = page.continue;
        } while (after);
        this.byKind[kind] = fresh;
        delete this.errors[kind];
        this.callbacks.onChange(kind, null);
    }

    pause(kind, ms) {
        return new Promise((resolve) => {
            const timer = setTimeout(done, ms);
            const signal = this.stopper.signal;
            function done() {
                clearTimeout(timer);
                signal.removeEventListener('abort', done);
                resolve();
            }
            this.wakers[kind] = done;
            signal.addEventListener('abort', done);
        });
    }
}
