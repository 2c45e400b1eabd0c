// The REST API as the dashboard calls it: every request carries the bearer token of this tab's session, kept in
// sessionStorage only (never a cookie, localStorage or the URL), and every failure becomes an ApiError with the
// problem document's own words.

const TOKEN_KEY = 'paas-operator.api-token';
const API = 'apis/v1alpha1/';

export class ApiError extends Error {
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}

export const session = {
    token: () => sessionStorage.getItem(TOKEN_KEY),
    keep: (token) => sessionStorage.setItem(TOKEN_KEY, token),
    forget: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An API path (relative to /apis/v1alpha1/, or an absolute /apis/… path as events give it) as a URL of this page's server. */
export function apiUrl(path) {
    return new URL(path.startsWith('/') ? path.slice(1) : API + path, document.baseURI);
}

/** A fetch with the session's token; answers the Response when it is 2xx, else throws an ApiError. */
export async function call(method, path, { accept = 'application/json', headers = {}, signal, token = session.token() } = {}) {
    const response = await fetch(apiUrl(path), {
        method,
        headers: { Authorization: 'Bearer ' + token, Accept: accept, ...headers },
        signal,
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
    });
    if (!response.ok) {
        throw await problemOf(response);
    }
    return response;
}

export async function json(method, path, options) {
    return (await call(method, path, options)).json();
}

/** The error a non-2xx answer stands for: its problem's detail (and each bad field), or its status line. */
export async function problemOf(response) {
    let problem = null;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
        try {
            problem = await response.json();
        } catch {
            problem = null;
        }
    }
    const fields = (problem?.errors || []).map((e) => `${e.field}: ${e.message}`);
    const text = problem?.detail || problem?.title || `${response.status} ${response.statusText}`.trim();
    return new ApiError(response.status, fields.length ? `${text} (${fields.join('; ')})` : text);
}

/**
 * Server-sent events read from a fetch body (EventSource cannot send the bearer token): yields {id, event, data} per
 * frame and {comment} per comment line (the heartbeat), per the HTML standard's parsing rules for the fields used here.
 */
export async function* serverSentEvents(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let frame = { id: null, event: 'message', data: [] };
    try {
        for (;;) {
            const { value, done } = await reader.read();
            if (done) {
                return;
            }
            buffer += value;
            for (;;) {
                const end = buffer.search(/[\r\n]/);
                // A CR at the very end may be the first half of a CRLF split across chunks: wait for the next one.
                if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) {
                    break;
                }
                const line = buffer.slice(0, end);
                buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
                if (line === '') {
                    if (frame.data.length > 0) {
                        yield { id: frame.id, event: frame.event, data: frame.data.join('\n') };
                    }
                    frame = { id: frame.id, event: 'message', data: [] };
                } else if (line.startsWith(':')) {
                    yield { comment: line.slice(1).trim() };
                } else {
                    const colon = line.indexOf(':');
                    const field = colon < 0 ? line : line.slice(0, colon);
                    const text = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
                    if (field === 'data') {
                        frame.data.push(text);
                    } else if (field === 'event') {
                        frame.event = text;
                    } else if (field === 'id' && !text.includes('\0')) {
                        frame.id = text;
                    }
                }
            }
        }
    } finally {
        // Also when the caller stops early: the connection is closed rather than left open unread.
        reader.cancel().catch(() => {});
    }
}
