package io.paasoperator.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentRequestTest {

    private static final AgentRequest.Placement PLACEMENT = new AgentRequest.Placement("10.0.0.8", 1, List.of("10.0.0.7", "10.0.0.8"));

    private static AppSpec app(Integer checkInterval) {
        return new AppSpec("http://127.0.0.1/repo/", "i.sh", "s.sh", "t.sh", null, "c.sh", "u.sh", "pkg.tgz",
                Map.of("APP_USER", "mysql"), null, Map.of("install", 60), checkInterval, null);
    }

    @Test
    void theSeedsMetadataCopiesAndTheOperatorAddressAreAdded() {
        AgentRequest request = AgentRequest.of("db-1", ResourceKind.DATABASE, "10.0.0.1", 30334, app(null), 10, PLACEMENT);
        assertEquals("http://127.0.0.1/repo/", request.metadata().get("REPO_URL"));
        assertEquals("pkg.tgz", request.metadata().get("PACKAGE"));
        assertEquals("mysql", request.metadata().get("APP_USER"));
        assertEquals("30334", request.operatorPort());
        assertEquals("10.0.0.8", request.hostIp());
        assertEquals(1, request.hostIndex());
        assertEquals(List.of("10.0.0.7", "10.0.0.8"), request.hosts());
        assertEquals("op-1", request.withOperationId("op-1").operationId());
        // What the agent sees is the app with the interval in effect.
        assertEquals(app(10).withMetadata(request.metadata()), request.app());
    }

    @Test
    void aResourcesOwnCheckIntervalWinsOverTheDefault() {
        assertEquals(10, AgentRequest.of("a", ResourceKind.MIDDLEWARE, "ip", 1, app(null), 10, PLACEMENT).checkInterval());
        assertEquals(45, AgentRequest.of("a", ResourceKind.MIDDLEWARE, "ip", 1, app(45), 10, PLACEMENT).checkInterval());
    }

    @Test
    void checkIntervalsAreBounded() {
        List<Problem.FieldError> errors = new ArrayList<>();
        AppSpecRules.check(app(0), "app", 10, errors);
        AppSpecRules.check(app(AppSpecRules.MAX_CHECK_INTERVAL_SECONDS + 1), "app", 10, errors);
        assertEquals(2, errors.size());
        assertTrue(errors.stream().allMatch(e -> e.field().equals("app.check_interval")));
        errors.clear();
        AppSpecRules.check(app(30), "app", 10, errors);
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
