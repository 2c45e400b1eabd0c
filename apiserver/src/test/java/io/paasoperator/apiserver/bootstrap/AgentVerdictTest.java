package io.paasoperator.apiserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.bootstrap.AgentVerdict.Decision;
import io.paasoperator.apiserver.bootstrap.AgentVerdict.Known;
import io.paasoperator.apiserver.bootstrap.AgentVerdict.Verdict;
import io.paasoperator.contract.AgentVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When an agent is used, installed again, or left alone: the rules as a table. */
class AgentVerdictTest {

    private static final String OURS = "0.2.0";
    private static final String BUILD = "aaaa000011112222";
    private static final Known INSTALLED = new Known(3335, true, false, false);

    private static Decision decide(Known known, AgentVersion answer) {
        return AgentVerdict.decide("10.0.0.5:3335", 3335, known, answer, OURS, BUILD);
    }

    @Test
    void ourBuildAnsweringIsUsed() {
        assertEquals(Verdict.USE, decide(INSTALLED, new AgentVersion(OURS, BUILD)).verdict());
    }

    @Test
    void nothingAnsweringIsInstalled() {
        Decision decision = decide(Known.NOTHING, null);
        assertEquals(Verdict.INSTALL, decision.verdict());
        assertEquals("no agent answers at 10.0.0.5:3335", decision.why());
        assertEquals(Verdict.INSTALL, decide(INSTALLED, null).verdict(), "ours, but gone");
    }

    @Test
    void oursFallenSilentMomentsAgoIsLeftToItsKeeper() {
        Decision decision = decide(new Known(3335, true, false, true), null);
        assertEquals(Verdict.WAIT, decision.verdict());
        assertTrue(decision.why().contains("keeper"), decision.why());
        assertEquals(Verdict.INSTALL, decide(new Known(3335, true, true, true), new AgentVersion(OURS, BUILD)).verdict(),
                "one answering that refused our secret is installed again at once");
        assertEquals(Verdict.INSTALL, decide(new Known(3335, false, false, true), null).verdict(), "no secret held: not ours");
    }

    @Test
    void anAgentWeHoldNoSecretForIsReplaced() {
        assertEquals(Verdict.INSTALL, decide(Known.NOTHING, new AgentVersion(OURS, BUILD)).verdict());
        Decision byHand = decide(INSTALLED, new AgentVersion(OURS, null));
        assertEquals(Verdict.INSTALL, byHand.verdict());
        assertTrue(byHand.why().contains("not installed by this apiserver"), byHand.why());
    }

    @Test
    void anAgentThatRefusedOurSecretIsInstalledAgain() {
        Decision decision = decide(new Known(3335, true, true, false), new AgentVersion(OURS, BUILD));
        assertEquals(Verdict.INSTALL, decision.verdict());
        assertTrue(decision.why().contains("refused this apiserver's secret"), decision.why());
    }

    @ParameterizedTest(name = "agent {0} build {1}: {2}")
    @CsvSource({
        "0.2.0, bbbb000011112222, INSTALL", // same release, another build
        "0.1.9, bbbb000011112222, INSTALL", // older release
        "0.2.0-SNAPSHOT, bbbb000011112222, INSTALL", // a snapshot before the release
        "0.10.0, bbbb000011112222, USE", // newer: a newer replica installed it; never downgrade
        "1.0.0, bbbb000011112222, USE"})
    void anotherBuildIsUpgradedNeverDowngraded(String version, String build, Verdict expected) {
        assertEquals(expected, decide(INSTALLED, new AgentVersion(version, build)).verdict());
    }

    @Test
    void aResourceNamingAnotherPortThanTheHostsAgentIsRefused() {
        Decision decision = AgentVerdict.decide("10.0.0.5:4000", 4000, INSTALLED, null, OURS, BUILD);
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertTrue(decision.why().contains("listens on port 3335"), decision.why());
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({"1.2.10, 1.2.9, 1", "1.2, 1.2.0, 0", "1.3.0-SNAPSHOT, 1.3.0, -1", "2.0.0, 10.0.0, -1", "x.y, 0.0, 0"})
    void releasesAreOrderedNumerically(String a, String b, int sign) {
        assertEquals(sign, AgentVerdict.compareReleases(a, b));
        assertEquals(-sign, AgentVerdict.compareReleases(b, a));
    }
}
