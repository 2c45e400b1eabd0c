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

    // ---- registered agents: installed by other means, never installed over SSH -------------------------

    private static Decision registered(int registeredPort, boolean secretRefused, AgentVersion answer) {
        return AgentVerdict.decideRegistered("10.0.0.5", 3335, registeredPort, secretRefused, answer, OURS);
    }

    @ParameterizedTest(name = "agent {0} build {1}")
    @CsvSource({
        "0.2.0, bbbb000011112222", // its installer's build, not ours: builds are not compared
        "0.2.0, ''", // no build at all (AGENT_BUILD unset)
        "0.3.0, bbbb000011112222"})
    void aRegisteredAgentAnsweringWithOurReleaseOrANewerIsUsed(String version, String build) {
        assertEquals(Verdict.USE, registered(3335, false, new AgentVersion(version, build.isEmpty() ? null : build)).verdict());
    }

    @Test
    void aRegisteredAgentThatDoesNotAnswerIsRefusedNeverInstalled() {
        Decision decision = registered(3335, false, null);
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertEquals("the registered agent on 10.0.0.5:3335 does not answer; it was installed by other means, so it is not"
                + " bootstrapped over SSH: start it, or register the port it listens on", decision.why());
    }

    @Test
    void aRegisteredAgentThatRefusedItsSecretIsRefusedSayingToRegisterItAgain() {
        Decision decision = registered(3335, true, new AgentVersion(OURS, BUILD));
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertEquals("the registered agent on 10.0.0.5:3335 refuses the registered secret: register it again with the"
                + " agent's secret (PUT /apis/v1alpha1/hosts/10.0.0.5)", decision.why());
    }

    @Test
    void aRegisteredAgentOfAnOlderReleaseIsRefusedNeverUpgraded() {
        Decision decision = registered(3335, false, new AgentVersion("0.1.9", BUILD));
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertTrue(decision.why().contains("runs release 0.1.9, older than this apiserver's 0.2.0"), decision.why());
        assertTrue(decision.why().contains("not upgraded over SSH"), decision.why());
    }

    @Test
    void aResourceNamingAnotherPortThanTheRegisteredOneIsRefused() {
        Decision decision = registered(4000, false, new AgentVersion(OURS, BUILD));
        assertEquals(Verdict.REFUSE, decision.verdict());
        assertTrue(decision.why().contains("registered on port 4000, this resource names agent_port 3335"), decision.why());
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({"1.2.10, 1.2.9, 1", "1.2, 1.2.0, 0", "1.3.0-SNAPSHOT, 1.3.0, -1", "2.0.0, 10.0.0, -1", "x.y, 0.0, 0"})
    void releasesAreOrderedNumerically(String a, String b, int sign) {
        assertEquals(sign, AgentVerdict.compareReleases(a, b));
        assertEquals(-sign, AgentVerdict.compareReleases(b, a));
    }
}
