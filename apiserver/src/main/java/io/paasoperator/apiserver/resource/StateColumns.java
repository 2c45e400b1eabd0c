package io.paasoperator.apiserver.resource;

import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores states and kinds as their wire words, so the table reads like the API. */
final class StateColumns {

    private StateColumns() {
    }

    @Converter
    public static class Kind implements AttributeConverter<ResourceKind, String> {
        @Override
        public String convertToDatabaseColumn(ResourceKind value) {
            return value == null ? null : value.wire();
        }

        @Override
        public ResourceKind convertToEntityAttribute(String column) {
            return column == null ? null : ResourceKind.fromWire(column);
        }
    }

    @Converter
    public static class Expected implements AttributeConverter<ExpectedState, String> {
        @Override
        public String convertToDatabaseColumn(ExpectedState value) {
            return value == null ? null : value.wire();
        }

        @Override
        public ExpectedState convertToEntityAttribute(String column) {
            return column == null ? null : ExpectedState.fromWire(column);
        }
    }

    @Converter
    public static class Realtime implements AttributeConverter<RealtimeState, String> {
        @Override
        public String convertToDatabaseColumn(RealtimeState value) {
            return value == null ? null : value.wire();
        }

        @Override
        public RealtimeState convertToEntityAttribute(String column) {
            return column == null ? null : RealtimeState.fromWire(column);
        }
    }
}
