package io.paasoperator.apiserver.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.resource.ResourceViews.ResourceView;
import io.paasoperator.apiserver.watch.ChangeLog;
import io.paasoperator.apiserver.watch.ChangeNotifications;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * One client's watch: everything runs on its connection's context, so its state needs no locks. It reads the change
 * log from its own position whenever it is nudged ({@link ChangeNotifications}), one read at a time; a nudge that comes
 * during a read makes one more read after it. What waits to be written to the client is bounded: past the bound the
 * client gets a 503 ERROR and the stream ends.
 */
final class WatchStream {

    private static final Logger LOG = Logger.getLogger(WatchStream.class);
    /** Changes read at once. */
    private static final int BATCH = 256;
    /** How soon a change written but held back (an earlier transaction still open) is looked at again. */
    private static final long SETTLE_RETRY_MS = 100;
    /** How long a cut-off client has to take its last frames before its connection is closed under it. */
    private static final long CUT_OFF_GRACE_MS = 10_000;
    private static final String HEARTBEAT = ": heartbeat\n\n";

    private final HttpServerResponse response;
    private final ResourceKind kind;
    private final ExpectedState expect;
    private final RealtimeState realtime;
    private final Means means;
    private ChangeNotifications.Listener listener;

    /** The last change looked at: the next read starts after it. */
    private ChangeLog.Position position;
    private boolean reading;
    private boolean readAgain;
    /** Ended by us (an ERROR) or closed by the client: nothing more is written or read. */
    private boolean over;
    private boolean closed;
    /** Bytes handed to the connection and not yet taken by the socket. */
    private long waiting;
    private long heartbeatTimer = -1;
    private long settleTimer = -1;

    /** What every stream of a process uses: the change log, its notifications, JSON, timers and the settings. */
    record Means(ChangeLog changes, ChangeNotifications notifications, ObjectMapper json, Vertx vertx, Duration heartbeat,
            long bufferBytes) {
    }

    WatchStream(HttpServerResponse response, ResourceKind kind, ExpectedState expect, RealtimeState realtime, Means means) {
        this.response = response;
        this.kind = kind;
        this.expect = expect;
        this.realtime = realtime;
        this.means = means;
    }

    /** Where a client resumes: after the event {@code after}, which it gave as {@code field} (Last-Event-ID or since). */
    record Resume(long after, String field) {
    }

    /** Starts with every resource as it is ({@code since} null), or with the changes after the event it names. */
    void start(Resume since) {
        response.setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, WatchApi.EVENT_STREAM + "; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                // nginx and its kin buffer responses unless told not to.
                .putHeader("X-Accel-Buffering", "no");
        // A client gone mid-stream is a normal end: dropped quietly, whatever the connection reports.
        response.closeHandler(ignored -> closed());
        response.exceptionHandler(ignored -> closed());
        response.writeHead();
        // Listening before the first read: a change made during it nudges a read after it.
        listener = new ChangeNotifications.Listener(kind, Vertx.currentContext(), this::readChanges);
        means.notifications().add(listener);
        heartbeatTimer = means.vertx().setPeriodic(means.heartbeat().toMillis(), ignored -> write(HEARTBEAT));
        reading = true;
        if (since == null) {
            means.changes().snapshot(kind).subscribe().with(this::listed, this::failed);
        } else {
            means.changes().resume(since.after(), since.field()).chain(resumed -> {
                position = resumed;
                return means.changes().after(kind, resumed, BATCH);
            }).subscribe().with(this::read, this::failed);
        }
    }

    private void listed(ChangeLog.Snapshot snapshot) {
        reading = false;
        if (over) {
            return;
        }
        position = snapshot.position();
        for (ResourceView object : snapshot.objects()) {
            send(snapshot.position().seq(), "ADDED", object);
        }
        readChanges();
    }

    private void readChanges() {
        if (over) {
            return;
        }
        if (reading) {
            readAgain = true;
            return;
        }
        reading = true;
        readAgain = false;
        if (settleTimer >= 0) {
            means.vertx().cancelTimer(settleTimer);
            settleTimer = -1;
        }
        means.changes().after(kind, position, BATCH).subscribe().with(this::read, this::failed);
    }

    private void read(ChangeLog.Batch batch) {
        reading = false;
        if (over) {
            return;
        }
        for (ChangeLog.Change change : batch.changes()) {
            send(change.seq(), change.type(), change.object());
        }
        position = batch.position();
        if (over) {
            return;
        }
        if (readAgain || batch.more()) {
            readChanges();
        } else if (batch.unsettledAhead()) {
            settleTimer = means.vertx().setTimer(SETTLE_RETRY_MS, ignored -> {
                settleTimer = -1;
                readChanges();
            });
        }
    }

    private void failed(Throwable failure) {
        reading = false;
        if (over) {
            return;
        }
        if (failure instanceof ProblemException problem) {
            end(problem.toProblem());
        } else {
            String incident = UUID.randomUUID().toString();
            LOG.errorf(failure, "incident %s: a watch of %s stopped", incident, kind.wire());
            end(Problem.internal(incident));
        }
    }

    private void send(long seq, String type, ResourceView object) {
        if ((expect == null || object.app().status().expect() == expect)
                && (realtime == null || object.app().status().realtime() == realtime)) {
            write("id: " + seq + "\nevent: " + type + "\ndata: " + oneLine(object) + "\n\n");
        }
    }

    private void write(String frame) {
        if (over) {
            return;
        }
        Buffer bytes = Buffer.buffer(frame);
        int length = bytes.length();
        waiting += length;
        response.write(bytes).onComplete(ignored -> waiting -= length);
        if (waiting > means.bufferBytes()) {
            LOG.infof("a watch of %s was cut off: %d bytes were waiting for a client that does not read", kind.wire(), waiting);
            end(new Problem("Service Unavailable", 503, "this client did not read the stream fast enough: more than "
                    + means.bufferBytes() + " bytes (paas.watch.buffer-bytes) were waiting for it; watch again with Last-Event-ID"
                    + " set to the last id received", List.of()));
        }
    }

    /** The last frame, an ERROR naming why; a client that does not take it within the grace loses its connection. */
    private void end(Problem problem) {
        over = true;
        release();
        response.write("event: ERROR\ndata: " + oneLine(problem) + "\n\n");
        // Taken by the client: its connection may serve it further.
        response.end().onComplete(ignored -> closed = true);
        means.vertx().setTimer(CUT_OFF_GRACE_MS, ignored -> {
            if (!closed) {
                response.close();
            }
        });
    }

    private void closed() {
        closed = true;
        over = true;
        release();
    }

    private void release() {
        means.notifications().remove(listener);
        means.vertx().cancelTimer(heartbeatTimer);
        if (settleTimer >= 0) {
            means.vertx().cancelTimer(settleTimer);
        }
    }

    private String oneLine(Object document) {
        try {
            return means.json().writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + document.getClass().getSimpleName(), e);
        }
    }
}
