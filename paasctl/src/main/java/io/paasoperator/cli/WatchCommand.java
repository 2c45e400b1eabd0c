package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.contract.ResourceKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Follows GET /{kind}?watch=true (server-sent events): every resource as it is, then every change, until interrupted.
 * A stream that ends or is cut for a slow reader (503) is resumed from the last event's id; one whose history is gone
 * (410), or that ends during its first listing, starts again from a fresh listing, as does one whose apiserver knows no
 * such id (another history: a new or restored database). An apiserver that cannot be reached after the first
 * connection (restarting, say) is tried again, with a growing pause, for up to {@link #PATIENCE}.
 */
@Command(name = "watch", description = {"Print every resource of a kind (ADDED), then each change (MODIFIED, DELETED) as it"
        + " happens, until interrupted.", "-o json prints one JSON object per line: {\"event\",\"id\",\"resource\"}."})
class WatchCommand extends ApiCommand {

    /** Reconnections in a row that bring no event before paasctl gives up. */
    private static final int MAX_EMPTY_RECONNECTS = 5;
    /** How long an apiserver that was reached once may stay out of reach before paasctl gives up. */
    static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(8);

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "Only this resource")
    String name;

    @Option(names = "--expect", paramLabel = "STATE", description = "Only those expected in this state")
    String expect;

    @Option(names = "--realtime", paramLabel = "STATE", description = "Only those in this realtime state")
    String realtime;

    /** The id to resume from: the last event's, once past the first listing. */
    private String lastId;
    /** Since when the apiserver has been out of reach; null while it answers. */
    private Instant lostSince;
    /** The id every ADDED of a connection's first listing carries, while that listing lasts; null otherwise. */
    private String listingId;
    private boolean listing;
    private boolean headerPrinted;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        int emptyReconnects = 0;
        boolean reached = false;
        Duration pause = Duration.ofMillis(500);
        while (true) {
            boolean gotEvent;
            try {
                gotEvent = follow(resourceKind);
            } catch (CliException.Unreachable e) {
                if (!reached) {
                    throw e; // never reached: a wrong address, not a restart
                }
                if (lostSince == null) {
                    lostSince = Instant.now();
                    System.err.println("paasctl: " + e.getMessage() + "; trying again for up to " + PATIENCE.toMinutes() + " min");
                } else if (Duration.between(lostSince, Instant.now()).compareTo(PATIENCE) > 0) {
                    throw e;
                }
                sleep(pause);
                pause = Collections.min(List.of(pause.multipliedBy(2), MAX_PAUSE));
                continue;
            }
            reached = true;
            pause = Duration.ofMillis(500);
            emptyReconnects = gotEvent ? 0 : emptyReconnects + 1;
            if (emptyReconnects >= MAX_EMPTY_RECONNECTS) {
                throw new CliException(ExitCode.ERROR, "the watch stream keeps ending without an event; gave up after "
                        + MAX_EMPTY_RECONNECTS + " tries");
            }
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        }
    }

    /** One connection: reads frames until the stream ends; whether any event came. */
    private boolean follow(ResourceKind resourceKind) {
        StringBuilder path = new StringBuilder(Api.BASE + "/" + resourceKind.wire() + "?watch=true");
        if (expect != null) {
            path.append("&expect=").append(Api.segment(expect));
        }
        if (realtime != null) {
            path.append("&realtime=").append(Api.segment(realtime));
        }
        Map<String, String> headers = lastId == null ? Map.of() : Map.of("Last-Event-ID", lastId);
        listing = lastId == null;
        listingId = null;
        boolean gotEvent = false;
        try (InputStream stream = api().stream(path.toString(), "text/event-stream", headers);
                BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            if (lostSince != null) {
                System.err.println("paasctl: the apiserver answers again; " + (lastId == null ? "listing afresh"
                        : "resuming after event " + lastId));
                lostSince = null;
            }
            EventStream events = new EventStream(lines);
            EventStream.Frame frame;
            while ((frame = events.next()) != null) {
                gotEvent = true;
                if (!frame(resourceKind, frame.id(), frame.event(), frame.data())) {
                    return gotEvent;
                }
            }
        } catch (IOException e) {
            System.err.println("paasctl: the watch stream broke (" + e.getMessage() + "); resuming");
        }
        return gotEvent;
    }

    private static boolean names(JsonNode problem, String field) {
        for (JsonNode error : problem.path("errors")) {
            if (field.equals(error.path("field").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Prints one frame; false when the stream is to be left (an ERROR frame: resume, or start again). */
    private boolean frame(ResourceKind resourceKind, String id, String event, String data) throws IOException {
        if (event.equals("ERROR")) {
            JsonNode problem = Api.JSON.readTree(data);
            int status = problem.path("status").asInt();
            if (status == 410) {
                System.err.println("paasctl: the apiserver's history no longer reaches event " + lastId + "; listing again");
                lastId = null;
                return false;
            }
            if (status == 400 && lastId != null && names(problem, "Last-Event-ID")) {
                System.err.println("paasctl: the apiserver knows no event " + lastId + " (its history is another one: a new or"
                        + " restored database?); listing again");
                lastId = null;
                return false;
            }
            if (status == 503) {
                System.err.println("paasctl: " + Text.clean(problem.path("detail").asText()) + "; resuming from event " + lastId);
                return false;
            }
            throw api().problem(status, data);
        }
        if (id != null) {
            if (listing && event.equals("ADDED") && (listingId == null || listingId.equals(id))) {
                // Resuming from the listing's id would skip the rest of it: a stream cut here starts afresh.
                listingId = id;
            } else {
                listing = false;
                lastId = id;
            }
        }
        JsonNode resource = Api.JSON.readTree(data);
        if (name != null && !name.equals(resource.path("name").asText())) {
            return true;
        }
        if (json()) {
            ObjectNode line = Api.JSON.createObjectNode();
            line.put("event", event);
            line.put("id", id);
            line.set("resource", resource);
            out.jsonLine(line);
        } else {
            if (!headerPrinted) {
                out.line(String.format("%-8s  %-16s  %-13s  %-13s  %s", "EVENT", "ID", "EXPECT", "REALTIME", "NAME"));
                headerPrinted = true;
            }
            out.line(String.format("%-8s  %-16s  %-13s  %-13s  %s", Text.clean(event), Text.clean(id), Resources.expect(resource),
                    Resources.realtime(resource), resourceKind.wire() + "/" + Text.clean(resource.path("name").asText())));
        }
        return true;
    }
}
