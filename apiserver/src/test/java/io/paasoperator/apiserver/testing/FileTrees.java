package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The files a test reads back, looking for secrets that must not be there. */
public final class FileTrees {

    private FileTrees() {
    }

    /** Every regular file under each root. */
    public static List<Path> regularFiles(Path... roots) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).forEach(found::add);
            }
        }
        return found;
    }
}
