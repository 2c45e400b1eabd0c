package io.paasoperator.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.paasoperator.contract.SeedJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A resource to apply, from a file or stdin: JSON as the seed writes it (trailing commas, {@code "// …"} comment keys),
 * or YAML. Errors name the place and what is wrong there, never the text found there: the file may hold passwords.
 */
final class ResourceFile {

    /** The apiserver's bound on bodies. */
    private static final int MAX_BYTES = 256 * 1024;
    private static final ObjectMapper SEED_JSON = SeedJson.mapperBuilder().build();
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ResourceFile() {
    }

    /** The resource in {@code source} ("-" for stdin), comment keys dropped. */
    static ObjectNode read(String source) {
        String name = source.equals("-") ? "stdin" : source;
        String text = text(source, name);
        boolean json = text.stripLeading().startsWith("{") || text.stripLeading().startsWith("[");
        JsonNode document;
        try {
            document = (json ? SEED_JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCode.USAGE, name + " is not valid " + (json ? "JSON" : "YAML") + ": " + where(e));
        }
        if (document == null || document.isMissingNode() || document.isNull()) {
            throw new CliException(ExitCode.USAGE, name + " is empty: it should hold a resource (name, host, app)");
        }
        if (!document.isObject()) {
            throw new CliException(ExitCode.USAGE, name + " holds " + document.getNodeType().toString().toLowerCase()
                    + ", not a resource: an object with name, host and app");
        }
        SeedJson.dropComments(document);
        JsonNode resourceName = document.path("name");
        if (!resourceName.isTextual() || resourceName.asText().isBlank()) {
            throw new CliException(ExitCode.USAGE, name + ": \"name\" is " + (resourceName.isMissingNode() ? "missing" : "not a string")
                    + "; a resource is applied by its name");
        }
        return (ObjectNode) document;
    }

    private static String text(String source, String name) {
        try {
            byte[] bytes;
            if (source.equals("-")) {
                bytes = System.in.readNBytes(MAX_BYTES + 1);
            } else {
                try (InputStream in = Files.newInputStream(Path.of(source))) {
                    bytes = in.readNBytes(MAX_BYTES + 1);
                }
            }
            if (bytes.length > MAX_BYTES) {
                throw new CliException(ExitCode.USAGE, name + " is larger than the apiserver takes (256 KiB)");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.USAGE, name + " does not exist");
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + name + ": " + e.getMessage());
        }
    }

    /** "line L, column C: what is wrong": the parser's words with any quoted text of the file left out. */
    private static String where(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException yaml) {
            Mark mark = yaml.getProblemMark();
            String at = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
            return at + withoutQuotedText(yaml.getProblem());
        }
        JsonLocation location = e.getLocation();
        String at = location == null ? "" : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
        return at + withoutQuotedText(e.getOriginalMessage());
    }

    /** The first line of a parser's message, any token it quotes from the file (a password, perhaps) left out. */
    private static String withoutQuotedText(String message) {
        if (message == null) {
            return "cannot be read";
        }
        String first = message.lines().findFirst().orElse("");
        return first.replaceAll("token '[^']*'", "word").replaceAll("\\(String\\)\"[^\"]*\"", "a string");
    }
}
