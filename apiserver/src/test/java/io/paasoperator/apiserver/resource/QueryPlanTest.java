package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The apiserver's connections plan each statement once, for any values (plan_cache_mode): the plans of the statements
 * whose best plan depends most on the values must then be good for every value. Checked on a table of 20,000 resources
 * nearly all in one state, written and analysed in a transaction that is rolled back.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class QueryPlanTest {

    @Inject
    Pool pool;

    @Test
    void theApiserversConnectionsPlanEachStatementOnce() {
        String mode = pool.query("show plan_cache_mode").execute().await().indefinitely().iterator().next().getString(0);
        assertEquals("force_generic_plan", mode);
    }

    @Test
    void onePlanServesEveryValue() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("preferQueryMode", "simple"); // the statements' $n go to the server as they are, unbound
        try (Connection db = TestDatabase.connect(settings); Statement st = db.createStatement()) {
            db.setAutoCommit(false);
            try {
                // 20,000 running databases, 20 failed, 20 expected stopped, each due later and a few hundred due now:
                // a rare state must not be looked for row by row. (ANALYZE's row count stays after the rollback: harmless.)
                st.execute("insert into resource (kind, name, app_spec, hosts, host_states, expect, realtime, realtime_since,"
                        + " created_at, updated_at, due_at) select 'database', 'plan-' || i, '{}', '[]', '[]',"
                        + " case when i % 1000 = 1 then 'stopped' else 'running' end,"
                        + " case when i % 1000 = 0 then 'failed' else 'running' end, now(), now(), now(),"
                        + " now() + case when i % 50 = 0 then interval '-1 second' else interval '10 seconds' end"
                        + " from generate_series(1, 20000) i");
                st.execute("analyze resource");
                Map<String, String> indexOf = Map.of(
                        ResourceStore.listStatement(false, true, false), "resource_kind_realtime_name_idx",
                        ResourceStore.listStatement(false, true, true), "resource_kind_realtime_name_idx",
                        ResourceStore.listStatement(true, false, false), "resource_kind_expect_name_idx",
                        ResourceStore.listStatement(true, true, false), "resource_kind_expect_realtime_name_idx",
                        ResourceStore.listStatement(true, true, true), "resource_kind_expect_realtime_name_idx");
                indexOf.forEach((statement, index) -> {
                    String plan = genericPlan(st, statement);
                    assertTrue(plan.contains(index), plan);
                    assertFalse(plan.contains("Sort"), plan);
                });
                // A pass's read, a host report's and the reconciler's write look rows up by key, whatever the values.
                for (String byKey : List.of(ResourceRows.FIND_WITH_HEARTBEATS, ResourceStore.GET_MANY, ResourceRows.WRITE)) {
                    String plan = genericPlan(st, byKey);
                    assertFalse(plan.contains("Seq Scan on resource "), plan);
                    assertTrue(plan.contains("resource_kind_name_key") || plan.contains("resource_pkey"), plan);
                }
                String takeDue = genericPlan(st, ResourceStore.TAKE_DUE);
                assertTrue(takeDue.contains("resource_due_at_idx"), takeDue);
                assertFalse(takeDue.contains("Seq Scan"), takeDue);
            } finally {
                db.rollback();
            }
        }
    }

    /** The plan PostgreSQL makes for any values of {@code statement}'s parameters. */
    private static String genericPlan(Statement st, String statement) {
        List<String> lines = new ArrayList<>();
        try (ResultSet plan = st.executeQuery("explain (generic_plan) " + statement)) {
            while (plan.next()) {
                lines.add(plan.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(statement, e);
        }
        return String.join("\n", lines);
    }
}
