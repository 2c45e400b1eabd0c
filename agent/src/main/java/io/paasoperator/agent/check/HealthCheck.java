package io.paasoperator.agent.check;

import io.paasoperator.agent.AgentConfig;
import io.paasoperator.agent.script.ScriptCall;
import io.paasoperator.agent.script.ScriptEnvironment;
import io.paasoperator.agent.script.ScriptResult;
import io.paasoperator.agent.script.ScriptRunner;
import io.paasoperator.agent.state.AppRecord;
import io.paasoperator.agent.state.StateStore;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.CheckReport;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Runs an installed application's check script once and reads its verdict. */
@Singleton
public class HealthCheck {

    private final ScriptRunner runner;
    private final StateStore store;
    private final AgentConfig config;

    public HealthCheck(ScriptRunner runner, StateStore store, AgentConfig config) {
        this.runner = runner;
        this.store = store;
        this.config = config;
    }

    public CheckReport run(AppRecord record) throws InterruptedException {
        AgentRequest request = record.request();
        String type = request.type().wire();
        Path appHome = store.appHome(type, request.name());
        Duration timeout = config.timeoutFor(Action.CHECK, request.timeouts());
        try {
            ScriptResult result = runner.run(new ScriptCall(appHome, request.check(),
                    ScriptEnvironment.of(request, appHome), timeout, store.logDir(type, request.name()).resolve("check.log")));
            return CheckOutput.verdict(result, timeout.toSeconds());
        } catch (IOException e) {
            return new CheckReport(CheckOutput.AGENT_FAILURE_CODE, "check script could not run: " + e.getMessage());
        }
    }
}
