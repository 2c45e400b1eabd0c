package io.paasoperator.cli;

/** What every command takes from paasctl's own options (--server, --token-file, --config, -o), given before or after it. */
interface GlobalOptions {

    /** The settings of this run; read when a command first needs the apiserver. */
    Settings settings();

    /** How results are printed. */
    Format output();
}
