package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.BufferedReader;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class EventStreamTest {

    private static EventStream stream(String text) {
        return new EventStream(new BufferedReader(new StringReader(text)));
    }

    @Test
    void readsTheContractsFramesSkippingHeartbeats() throws Exception {
        EventStream events = stream("""
                id: 7
                event: ADDED
                data: {"name":"a"}

                : heartbeat

                id: 8
                event: MODIFIED
                data: {"name":"a","x":1}

                """);
        assertEquals(new EventStream.Frame("7", "ADDED", "{\"name\":\"a\"}"), events.next());
        assertEquals(new EventStream.Frame("8", "MODIFIED", "{\"name\":\"a\",\"x\":1}"), events.next());
        assertNull(events.next());
    }

    @Test
    void joinsDataLinesTakesValuesWithoutTheirOneLeadingSpaceAndDropsAFrameCutOffByTheEnd() throws Exception {
        EventStream events = stream("event:ERROR\ndata: {\"status\":\ndata:  410}\n\nretry: 10\n\nid: 9\ndata: cut");
        assertEquals(new EventStream.Frame(null, "ERROR", "{\"status\":\n 410}"), events.next());
        assertNull(events.next());
    }

    @Test
    void aFrameWithoutAnEventNameIsAMessage() throws Exception {
        assertEquals(new EventStream.Frame("1", "message", "x"), stream("id: 1\ndata: x\n\n").next());
    }
}
