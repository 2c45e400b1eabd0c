package io.paasoperator.cli;

import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the apiserver. Every failure ends as one message on stderr and an {@link ExitCode}: never a
 * stack trace.
 */
abstract class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Every command's own usage (picocli prints it, and checks nothing else, when this is given). */
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit")
    boolean helpAsked;

    Output out;
    private Api api;

    @Override
    public final Integer call() {
        try {
            out = new Output(System.out);
            return run();
        } catch (CliException e) {
            System.err.println("paasctl: " + e.getMessage());
            return e.exitCode;
        } catch (RuntimeException e) {
            System.err.println("paasctl: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
            return ExitCode.ERROR;
        }
    }

    abstract int run();

    /** The apiserver; the settings are read on first use, after the command's own input was checked. */
    Api api() {
        if (api == null) {
            api = new Api(root().settings());
        }
        return api;
    }

    boolean json() {
        return root().output() == Format.JSON;
    }

    /** paasctl's own options, however deep the command ({@code hosts register}). */
    private GlobalOptions root() {
        return (GlobalOptions) spec.root().userObject();
    }

    static ResourceKind kind(String text) {
        return WireValue.parse(ResourceKind.class, text).orElseThrow(() -> new CliException(ExitCode.USAGE,
                "unknown kind '" + Text.clean(text) + "': one of " + Arrays.stream(ResourceKind.values()).map(ResourceKind::wire).toList()));
    }
}
