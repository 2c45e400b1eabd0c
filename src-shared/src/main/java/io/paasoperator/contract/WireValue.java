package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * An enum constant that travels as a lower-case, dashed word: {@code NOT_INSTALLED} is "not-installed". Jackson reads
 * and writes constants by that word.
 */
public interface WireValue {

    String name();

    @JsonValue
    default String wire() {
        return WireWords.word(this);
    }

    /** Older spellings still accepted on input. */
    default Set<String> aliases() {
        return Set.of();
    }

    /** The constant whose wire word (or one of its aliases) is {@code text}. */
    static <E extends Enum<E> & WireValue> Optional<E> parse(Class<E> type, String text) {
        if (text == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(type.cast(WireWords.of(type).constant(text)));
    }

    /** Like {@link #parse}, for words that must be valid. */
    static <E extends Enum<E> & WireValue> E require(Class<E> type, String text) {
        return parse(type, text).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is not one of " + Arrays.stream(type.getEnumConstants()).map(WireValue::wire).toList()));
    }
}
