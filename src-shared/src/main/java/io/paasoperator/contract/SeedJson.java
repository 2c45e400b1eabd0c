package io.paasoperator.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON as the seed writes it: trailing commas are fine and {@code "// …"} keys are comments. Both programs read
 * request bodies this way; duplicate keys are refused (which one would win?) and depth and sizes are bounded.
 */
public final class SeedJson {

    private static final String COMMENT_PREFIX = "//";

    private SeedJson() {
    }

    /** A mapper builder with the seed's leniency and hostile-input bounds; callers add their own strictness. */
    public static JsonMapper.Builder mapperBuilder() {
        JsonFactory factory = JsonFactory.builder()
                .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32).maxNumberLength(64).maxStringLength(1 << 20).build())
                .build();
        return JsonMapper.builder(factory);
    }

    /** Removes {@code "// …"} keys at every level. */
    public static void dropComments(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().startsWith(COMMENT_PREFIX)) {
                    fields.remove();
                } else {
                    dropComments(field.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(SeedJson::dropComments);
        }
    }
}
