package io.paasoperator.cli;

import java.util.Locale;
import picocli.CommandLine;

/** How results are printed: aligned tables for people, JSON for scripts. */
public enum Format {
    TABLE,
    JSON;

    /** -o table or -o json, in any case. */
    static final class Converter implements CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            try {
                return Format.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an output format: table or json");
            }
        }
    }
}
