package io.paasoperator.apiserver.resource;

import java.util.function.Function;

/**
 * A record's JSON column as read, kept while the column holds the very string it was read from: a pass asks for its
 * resource's app spec and hosts a dozen times, and a write assigns a new string, never edits one. Safe to share between
 * the event loops a pass's hosts run on: one immutable pair, read and replaced whole.
 */
final class ParsedDocument<T> {

    private record Read<T>(String json, T document) {
    }

    private volatile Read<T> last;

    /** The document {@code json} holds, read by {@code read} unless it was read from this very string last. */
    T of(String json, Function<String, T> read) {
        Read<T> known = last;
        if (known == null || known.json() != json) { // identity, not equality: see the class comment
            known = new Read<>(json, read.apply(json));
            last = known;
        }
        return known.document();
    }
}
