package io.paasoperator.contract;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire words of one {@link WireValue} enum, worked out once per enum: every state a record holds is written and
 * read by its word, on every row, report and answer.
 */
final class WireWords {

    private static final Map<Class<?>, WireWords> BY_ENUM = new ConcurrentHashMap<>();

    /** By ordinal. */
    private final String[] words;
    /** Each word and alias to its constant. */
    private final Map<String, Object> constants = new HashMap<>();

    private WireWords(Class<?> type) {
        Object[] values = type.getEnumConstants();
        words = new String[values.length];
        for (Object value : values) {
            Enum<?> constant = (Enum<?>) value;
            words[constant.ordinal()] = constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
            constants.put(words[constant.ordinal()], value);
        }
        // Words win over aliases.
        for (Object value : values) {
            ((WireValue) value).aliases().forEach(alias -> constants.putIfAbsent(alias, value));
        }
    }

    static WireWords of(Class<?> type) {
        return BY_ENUM.computeIfAbsent(type, WireWords::new);
    }

    static String word(WireValue value) {
        Enum<?> constant = (Enum<?>) value;
        return of(constant.getDeclaringClass()).words[constant.ordinal()];
    }

    /** The constant whose word or alias is {@code text}, or null. */
    Object constant(String text) {
        return constants.get(text);
    }
}
