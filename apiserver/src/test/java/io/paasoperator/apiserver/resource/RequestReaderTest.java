package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paasoperator.apiserver.host.HostSpec;

import io.paasoperator.contract.ProblemException;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.ResourceKind;
import org.junit.jupiter.api.Test;

class RequestReaderTest {

    private final RequestReader reader = new RequestReader();
    private final SpecValidator validator = new SpecValidator(64, 128);

    @Test
    void readsTheSeedBodyDroppingCommentsAtEveryLevel() {
        CreateRequest request = validator.validate(reader.readCreate(Seeds.seedBody("database"), ResourceKind.DATABASE));
        assertEquals(Seeds.SEED_DATABASE_NAME, request.name());
        assertEquals("sshuser", request.hosts().get(0).auth().get(1).username());
        assertEquals(22, request.hosts().get(0).sshPort());
        assertEquals("mysql-5.7.tar.gz", request.app().packageFile());
        assertEquals("MYSQL123", request.app().metadata().get("APP_PASSWD"));
        assertEquals(2, request.app().metadata().size());
    }

    @Test
    void typeMayRepeatTheUrlKindButNotContradictIt() {
        String body = Seeds.minimalBody("n", "running", "running").replace("{\"name\"", "{\"type\": \"database\", \"name\"");
        assertEquals("n", reader.readCreate(body, ResourceKind.DATABASE).body().name());
        ProblemException e = assertThrows(ProblemException.class, () -> reader.readCreate(body, ResourceKind.MIDDLEWARE));
        assertEquals(400, e.status());
    }

    @Test
    void absentStatusDefaultsToNotInstalled() {
        String body = Seeds.minimalBody("n", "running", "running").replaceAll(",\\s*\"status\": \\{[^}]*}", "");
        CreateRequest request = validator.validate(reader.readCreate(body, ResourceKind.DATABASE));
        assertEquals("not-installed", request.expect().wire());
        assertEquals("not-installed", request.realtime().wire());
    }

    @Test
    void checkReportsAcceptNumericCodesAndIgnoreExtraFields() {
        CheckReport report = reader.readCheckReport("{\"code\": 0, \"msg\": \"fine\", \"at\": 1}");
        assertEquals("0", report.code());
        assertEquals("fine", report.msg());
        assertEquals("", reader.readCheckReport("{\"code\": \"3\"}").msg());
        assertEquals(RequestReader.MAX_CHECK_MESSAGE,
                reader.readCheckReport("{\"code\": \"1\", \"msg\": \"" + "m".repeat(10_000) + "\"}").msg().length());
    }

    @Test
    void commentKeysInsideArraysAreDroppedToo() {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        node.putArray("a").addObject().put("// note", "x").put("k", "v");
        io.paasoperator.contract.SeedJson.dropComments(node);
        assertNull(node.get("a").get(0).get("// note"));
        assertEquals("v", node.get("a").get(0).get("k").asText());
    }

    @Test
    void ipLiteralsAreParsedNeverResolved() {
        assertEquals(true, HostSpec.isIpLiteral("10.0.0.1"));
        assertEquals(true, HostSpec.isIpLiteral("::1"));
        assertEquals(true, HostSpec.isIpLiteral("fe80::1"));
        assertEquals(false, HostSpec.isIpLiteral("localhost"));
        assertEquals(false, HostSpec.isIpLiteral("01.2.3.4"));
        assertEquals(false, HostSpec.isIpLiteral("1.2.3"));
        assertEquals(false, HostSpec.isIpLiteral("::g"));
    }
}
