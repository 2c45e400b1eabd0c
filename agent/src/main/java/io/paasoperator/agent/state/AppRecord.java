package io.paasoperator.agent.state;

import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's record of one application, kept on disk: the last request (it holds the metadata the check loop needs
 * after a restart), whether it is installed, its recent operations (newest last) and its last health check.
 */
public record AppRecord(AgentRequest request, boolean installed, List<Operation> operations, CheckReport lastCheck) {

    static final int OPERATIONS_KEPT = 20;

    public static AppRecord fresh(AgentRequest request) {
        return new AppRecord(request, false, List.of(), null);
    }

    public String key() {
        return key(request.type().wire(), request.name());
    }

    public static String key(String type, String name) {
        return type + "/" + name;
    }

    public AppRecord withRequest(AgentRequest newRequest) {
        return new AppRecord(newRequest, installed, operations, lastCheck);
    }

    public AppRecord withInstalled(boolean nowInstalled) {
        return new AppRecord(request, nowInstalled, operations, lastCheck);
    }

    public AppRecord withCheck(CheckReport check) {
        return new AppRecord(request, installed, operations, check);
    }

    /** Adds or replaces (same id) an operation, keeping the newest {@value #OPERATIONS_KEPT}. */
    public AppRecord withOperation(Operation operation) {
        List<Operation> updated = new ArrayList<>(operations.stream().filter(o -> !o.id().equals(operation.id())).toList());
        updated.add(operation);
        if (updated.size() > OPERATIONS_KEPT) {
            updated = updated.subList(updated.size() - OPERATIONS_KEPT, updated.size());
        }
        return new AppRecord(request, installed, List.copyOf(updated), lastCheck);
    }

    public Operation lastOperation() {
        return operations.isEmpty() ? null : operations.get(operations.size() - 1);
    }

    public AppStatus status() {
        return new AppStatus(request.name(), request.type(), installed, lastOperation(), lastCheck);
    }
}
