package io.paasoperator.apiserver.resource;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores states and kinds as their wire words, so the table reads like the API. */
final class StateColumns {

    private StateColumns() {
    }

    abstract static class WireColumn<E extends Enum<E> & WireValue> implements AttributeConverter<E, String> {
        private final Class<E> type;

        WireColumn(Class<E> type) {
            this.type = type;
        }

        @Override
        public String convertToDatabaseColumn(E value) {
            return value == null ? null : value.wire();
        }

        @Override
        public E convertToEntityAttribute(String column) {
            return column == null ? null : WireValue.require(type, column);
        }
    }

    @Converter
    public static class Kind extends WireColumn<ResourceKind> {
        public Kind() {
            super(ResourceKind.class);
        }
    }

    @Converter
    public static class Expected extends WireColumn<ExpectedState> {
        public Expected() {
            super(ExpectedState.class);
        }
    }

    @Converter
    public static class ActionColumn extends WireColumn<Action> {
        public ActionColumn() {
            super(Action.class);
        }
    }

    @Converter
    public static class Realtime extends WireColumn<RealtimeState> {
        public Realtime() {
            super(RealtimeState.class);
        }
    }
}
