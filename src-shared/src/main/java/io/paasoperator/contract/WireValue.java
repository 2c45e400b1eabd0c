package io.paasoperator.contract;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/** An enum constant that travels over the wire as a lower-case, dashed word ("not-installed"). */
public interface WireValue {

    String wire();

    /** The constant whose wire word (or one of its accepted aliases) is {@code text}. */
    static <E extends Enum<E> & WireValue> Optional<E> parse(Class<E> type, String text) {
        if (text == null) {
            return Optional.empty();
        }
        return Arrays.stream(type.getEnumConstants())
                .filter(c -> c.wire().equals(text) || c.aliases().contains(text))
                .findFirst();
    }

    /** Older spellings still accepted on input. */
    default Set<String> aliases() {
        return Set.of();
    }
}
