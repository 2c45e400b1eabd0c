package io.paasoperator.cli;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Locale;
import picocli.CommandLine;

/** How results are printed: aligned tables for people, JSON for scripts. */
public enum Format {
    TABLE,
    JSON;

    /** -o table or -o json, in any case. Picocli makes it by reflection, in a native executable too. */
    @RegisterForReflection
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
