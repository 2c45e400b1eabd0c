package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ResourceRecordTest {

    @Test
    void aSummaryCountsItsHostsInWords() {
        assertEquals("summary of 1 host", ResourceRecord.summaryOf(1));
        assertEquals("summary of 3 hosts", ResourceRecord.summaryOf(3));
    }
}
