package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceFileTest {

    @TempDir
    Path dir;

    private String file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text).toString();
    }

    @Test
    void seedJsonAndYamlReadTheSameCommentsDropped() throws Exception {
        ObjectNode json = ResourceFile.read(file("a.json", "{\"// note\": \"x\", \"name\": \"n\", \"app\": {\"// c\": 1, \"start\": \"s.sh\",},}"));
        ObjectNode yaml = ResourceFile.read(file("a.yaml", "# note\nname: n\napp:\n  start: s.sh\n"));
        assertEquals(json, yaml);
        assertEquals("{\"name\":\"n\",\"app\":{\"start\":\"s.sh\"}}", json.toString());
    }

    @Test
    void errorsNameThePlaceAndNeverTheTextFound() throws Exception {
        CliException json = assertThrows(CliException.class,
                () -> ResourceFile.read(file("b.json", "{\"name\": \"n\",\n \"password\": hunter2hunter2}")));
        assertEquals(ExitCode.USAGE, json.exitCode);
        assertTrue(json.getMessage().contains("b.json is not valid JSON: line 2, column "), json.getMessage());
        assertFalse(json.getMessage().contains("hunter2"), json.getMessage());

        CliException duplicate = assertThrows(CliException.class,
                () -> ResourceFile.read(file("d.json", "{\"name\": \"n\", \"name\": \"m\"}")));
        assertTrue(duplicate.getMessage().contains("Duplicate field 'name'"), duplicate.getMessage());

        CliException yaml = assertThrows(CliException.class,
                () -> ResourceFile.read(file("b.yaml", "name: n\nauth: [hunter2hunter2\n")));
        assertTrue(yaml.getMessage().startsWith(dir.resolve("b.yaml") + " is not valid YAML: line "), yaml.getMessage());
        assertFalse(yaml.getMessage().contains("hunter2"), yaml.getMessage());

        assertTrue(assertThrows(CliException.class, () -> ResourceFile.read(file("c.json", "[1]"))).getMessage()
                .contains("holds array, not a resource"));
        assertTrue(assertThrows(CliException.class, () -> ResourceFile.read(file("e.yaml", ""))).getMessage().contains("is empty"));
        assertTrue(assertThrows(CliException.class, () -> ResourceFile.read(file("f.json", "{\"name\": 3}"))).getMessage()
                .contains("\"name\" is not a string"));
        assertEquals(ExitCode.USAGE, assertThrows(CliException.class, () -> ResourceFile.read(dir.resolve("none").toString())).exitCode);
    }
}
