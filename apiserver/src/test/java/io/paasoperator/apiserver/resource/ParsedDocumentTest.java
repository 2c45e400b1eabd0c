package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.paasoperator.apiserver.security.SecretCipher;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A record's documents are read once per string its column holds, and read again once the column holds another. */
class ParsedDocumentTest {

    @TempDir
    Path dataDir;

    @Test
    void theSameStringIsReadOnceAndAnotherOneAgainEvenWhenEqual() {
        ParsedDocument<String> parsed = new ParsedDocument<>();
        AtomicInteger reads = new AtomicInteger();
        Function<String, String> read = json -> {
            reads.incrementAndGet();
            return json.toUpperCase();
        };
        String first = "[\"a\"]";
        assertEquals("[\"A\"]", parsed.of(first, read));
        assertEquals("[\"A\"]", parsed.of(first, read));
        assertEquals(1, reads.get(), "the same string, read once");
        assertEquals("[\"A\"]", parsed.of(new String(first), read));
        assertEquals(2, reads.get(), "an equal string that is another one (a write assigns a new one) is read again");
        assertEquals("[\"B\"]", parsed.of("[\"b\"]", read));
        assertEquals(3, reads.get());
    }

    @Test
    void aRecordWhoseAppSpecIsRewrittenShowsTheNewOne() {
        byte[] key = new byte[32];
        ResourceDocuments documents = new ResourceDocuments(JsonMapper.builder().build(),
                new SecretCipher(Optional.of(Base64.getEncoder().encodeToString(key)), Optional.empty(), dataDir));
        ResourceRecord record = new ResourceRecord();
        record.appSpec = "{\"repo_url\": \"http://127.0.0.1/repo\", \"start\": \"start.sh\"}";
        record.hosts = "[{\"ip\": \"127.0.0.2\"}]";
        assertNull(documents.app(record).restart());
        assertEquals("127.0.0.2", documents.hosts(record).get(0).ip());
        record.appSpec = "{\"repo_url\": \"http://127.0.0.1/repo\", \"start\": \"start.sh\", \"restart\": \"restart.sh\"}";
        record.hosts = "[{\"ip\": \"127.0.0.3\"}]";
        assertEquals("restart.sh", documents.app(record).restart());
        assertEquals("127.0.0.3", documents.hosts(record).get(0).ip());
    }
}
