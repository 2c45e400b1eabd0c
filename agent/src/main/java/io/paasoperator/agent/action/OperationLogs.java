package io.paasoperator.agent.action;

import io.paasoperator.agent.AgentConfig;
import io.paasoperator.agent.script.LogBound;
import io.paasoperator.agent.state.AppRegistry;
import io.paasoperator.agent.state.StateStore;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.file.OpenOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.file.AsyncFile;
import jakarta.inject.Singleton;

/**
 * An operation's whole log — its script's stdout and stderr — as this agent keeps it, read with Vert.x's asynchronous
 * file API: nothing blocks the event loop, and the file is read only as fast as the caller takes it. A running
 * operation's log is read up to where it had got when asked, and cut to the size bound like a finished one.
 */
@Singleton
public class OperationLogs {

    private final AppRegistry registry;
    private final StateStore store;
    private final Vertx vertx;
    private final long maxBytes;
    private final int keep;

    public OperationLogs(AppRegistry registry, StateStore store, Vertx vertx, AgentConfig config) {
        this.registry = registry;
        this.store = store;
        this.vertx = vertx;
        this.maxBytes = config.logMaxBytes();
        this.keep = config.logKeep();
    }

    /** The log's content; fails with a 404 problem for an operation this agent does not know, or whose log it no longer has. */
    public Uni<Multi<Buffer>> read(String id) {
        Operation operation = registry.operation(id).orElseThrow(() -> ProblemException.notFound("no operation " + id
                + " on this agent: it never ran here, or its application was forgotten or uninstalled and deleted"));
        return vertx.fileSystem().open(store.logFile(operation).toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
                .onFailure().transform(e -> ProblemException.notFound("operation " + id + " (" + operation.action().wire() + ", "
                        + operation.state().wire() + ") has no log here: its script never ran"
                        + (operation.reason() == null ? "" : " (" + operation.reason() + ")") + ", or the log was pruned (the agent"
                        + " keeps the last " + keep + " logs of each action, AGENT_LOG_KEEP)"))
                .chain(file -> file.size().map(size -> content(file, size))
                        .onFailure().call(file::close));
    }

    private Multi<Buffer> content(AsyncFile file, long size) {
        LogBound cut = LogBound.cut(size, maxBytes);
        long start = cut == null ? 0 : cut.start();
        // Up to the size seen now: a running script's later output is not chased.
        file.setReadPos(start).setReadLength(size - start);
        Multi<Buffer> body = file.toMulti();
        if (cut != null) {
            body = Multi.createBy().concatenating().streams(Multi.createFrom().item(Buffer.buffer(cut.noticeBytes())), body);
        }
        return body.onTermination().call(file::close);
    }
}
