package io.paasoperator.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * paasctl: the apiserver's resources and hosts from a terminal or a script. The options here apply to every command,
 * before or after its name.
 */
@TopCommand
@Command(name = "paasctl", mixinStandardHelpOptions = true, versionProvider = Paasctl.Version.class,
        usageHelpAutoWidth = true,
        description = "Manage paas-operator resources (databases, middleware) and hosts through the apiserver's REST API.",
        footer = {"", "Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 not found,",
                "4 token missing or refused, 5 conflict or changed meanwhile,",
                "6 --wait timed out or the resource failed. See docs/cli.md."},
        subcommands = {GetCommand.class, ListCommand.class, ApplyCommand.class, SetCommand.class, RestartCommand.class,
                DeleteCommand.class, EventsCommand.class, LogsCommand.class, WatchCommand.class, HostsCommand.class})
public class Paasctl implements Runnable, GlobalOptions {

    @Option(names = "--server", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The apiserver (default: PAAS_SERVER, the config file's 'server', else " + Settings.DEFAULT_SERVER + ")")
    String server;

    @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "A file (mode 600) holding the API token (default: PAAS_TOKEN, PAAS_TOKEN_FILE, the config file)")
    Path tokenFile;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "The config file (default: PAAS_CONFIG, else ~/.config/paasctl/config); mode 600")
    Path config;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT", defaultValue = "table",
            converter = Format.Converter.class,
            description = "table (for people) or json (for scripts); default table")
    Format output;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing: get, list, apply, set, restart,"
                + " delete, events, logs, watch or hosts (paasctl --help)");
    }

    @Override
    public Settings settings() {
        return Settings.resolve(server, tokenFile, config, System.getenv());
    }

    @Override
    public Format output() {
        return output;
    }

    /** Picocli makes it by reflection, in a native executable too. */
    @RegisterForReflection
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"paasctl " + ConfigProvider.getConfig().getOptionalValue("paasctl.version", String.class).orElse("dev")};
        }
    }
}
