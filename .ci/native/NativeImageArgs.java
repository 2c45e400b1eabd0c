import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

/**
 * What GraalVM's native-image launcher (svm-driver, not published on Maven Central) does with Quarkus'
 * native-sources before it starts the builder, done here so that the builder can run from its Maven Central jars:
 * reads native-image.args, follows -jar to the runner jar and its manifest's Class-Path and Add-Opens, applies every
 * META-INF/native-image/**&#47;native-image.properties and configuration file on that class path (minus
 * --exclude-config), and lowers the launcher's options to the builder's (-H:…). Writes two files: the builder
 * JVM's options (a java @file) and the builder's own (one per line). An option it does not know stops it: nothing is silently dropped.
 *
 * <p>java NativeImageArgs.java NATIVE_SOURCES_DIR JVM_ARGS_FILE BUILDER_ARGS_FILE
 */
public final class NativeImageArgs {

    /** Configuration files a jar may carry, and the builder option that reads each from the class path. */
    private static final Map<String, String> CONFIGURATION_FILES = new LinkedHashMap<>();

    static {
        CONFIGURATION_FILES.put("reachability-metadata.json", "ReachabilityMetadataResources");
        CONFIGURATION_FILES.put("jni-config.json", "JNIConfigurationResources");
        CONFIGURATION_FILES.put("foreign-config.json", "ForeignResources");
        CONFIGURATION_FILES.put("reflect-config.json", "ReflectionConfigurationResources");
        CONFIGURATION_FILES.put("resource-config.json", "ResourceConfigurationResources");
        CONFIGURATION_FILES.put("proxy-config.json", "DynamicProxyConfigurationResources");
        CONFIGURATION_FILES.put("serialization-config.json", "SerializationConfigurationResources");
        CONFIGURATION_FILES.put("serialization-deny-config.json", "SerializationDenyConfigurationResources");
        CONFIGURATION_FILES.put("predefined-classes-config.json", "PredefinedClassesConfigurationResources");
    }

    /** The launcher's API options with a value, and the builder option each sets (from the svm jar's @APIOption). */
    private static final Map<String, String> VALUE_OPTIONS = Map.of(
            "--features", "Features",
            "--enable-url-protocols", "EnableURLProtocols",
            "--enable-monitoring", "EnableMonitoringFeatures",
            "--enable-native-access", "EnableNativeAccess",
            "--link-at-build-time", "LinkAtBuildTime",
            "--link-at-build-time-paths", "LinkAtBuildTimePaths",
            "--add-exports", "AddExports",
            "--add-opens", "AddOpens",
            "--add-reads", "AddReads");

    private record Exclusion(Pattern jar, Pattern resource) {
    }

    private final List<String> jvm = new ArrayList<>();
    private final List<String> builder = new ArrayList<>();
    private final List<Path> classPath = new ArrayList<>();
    private final List<Exclusion> exclusions = new ArrayList<>();
    private String imageName;
    private String mainClass;

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: NativeImageArgs NATIVE_SOURCES_DIR JVM_ARGS_FILE BUILDER_ARGS_FILE");
        }
        Path sources = Path.of(args[0]).toAbsolutePath();
        NativeImageArgs lowered = new NativeImageArgs();
        String line = Files.readString(sources.resolve("native-image.args")).strip();
        lowered.apply(new ArrayDeque<>(List.of(line.split("\\s+"))), sources, "native-image.args");
        if (lowered.imageName == null || lowered.mainClass == null) {
            throw new IllegalStateException("native-image.args names no image and no -jar with a Main-Class");
        }
        // As the launcher does: each class path entry's META-INF/native-image, after the command line.
        for (Path entry : List.copyOf(lowered.classPath)) {
            lowered.applyMetaInf(entry);
        }
        List<String> builderArgs = new ArrayList<>();
        builderArgs.add("-imagecp");
        builderArgs.add(String.join(":", lowered.classPath.stream().map(Path::toString).toList()));
        builderArgs.add("-H:Name=" + lowered.imageName);
        builderArgs.add("-H:Class=" + lowered.mainClass);
        builderArgs.addAll(lowered.builder);
        Files.write(Path.of(args[1]), lowered.jvm.stream().map(NativeImageArgs::argFileQuoted).toList());
        // One per line, as they are: the java launcher reads no @file after the main class, so the script does.
        Files.write(Path.of(args[2]), builderArgs);
    }

    /** The java launcher's @argfile syntax: quoted, with backslashes and quotes escaped. */
    private static String argFileQuoted(String arg) {
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void apply(Deque<String> args, Path dir, String origin) throws IOException {
        while (!args.isEmpty()) {
            String arg = args.poll();
            if (arg.isEmpty()) {
                continue;
            }
            if (arg.startsWith("-J")) {
                jvm.add(arg.substring(2));
            } else if (arg.startsWith("-D")) {
                jvm.add(arg);
            } else if (arg.startsWith("-H:") || arg.startsWith("-R:")) {
                builder.add(arg);
            } else if (arg.equals("-jar")) {
                addJar(dir.resolve(required(args, arg, origin)));
            } else if (arg.equals("--no-fallback")) {
                builder.add("-H:FallbackThreshold=0");
            } else if (arg.equals("--link-at-build-time")) {
                builder.add("-H:LinkAtBuildTime=");
            } else if (arg.equals("--exclude-config")) {
                exclusions.add(new Exclusion(Pattern.compile(required(args, arg, origin)), Pattern.compile(required(args, arg, origin))));
            } else if (arg.startsWith("--initialize-at-build-time=") || arg.startsWith("--initialize-at-run-time=")) {
                String when = arg.startsWith("--initialize-at-build-time=") ? "build_time" : "run_time";
                String classes = arg.substring(arg.indexOf('=') + 1);
                if (classes.isEmpty()) {
                    throw new IllegalArgumentException(origin + ": " + arg + " without classes (every class) is not supported");
                }
                for (String name : classes.split(",")) {
                    builder.add("-H:ClassInitialization=" + name + ":" + when);
                }
            } else if (arg.startsWith("--") && arg.contains("=") && VALUE_OPTIONS.containsKey(arg.substring(0, arg.indexOf('=')))) {
                builder.add("-H:" + VALUE_OPTIONS.get(arg.substring(0, arg.indexOf('='))) + arg.substring(arg.indexOf('=')));
            } else if (!arg.startsWith("-") && imageName == null && origin.equals("native-image.args")) {
                imageName = arg;
            } else {
                throw new IllegalArgumentException(origin + ": unknown native-image option " + arg
                        + " (add its lowering to .ci/native/NativeImageArgs.java)");
            }
        }
    }

    private static String required(Deque<String> args, String option, String origin) {
        String value = args.poll();
        if (value == null) {
            throw new IllegalArgumentException(origin + ": " + option + " needs a value");
        }
        return value;
    }

    private void addJar(Path jar) throws IOException {
        classPath.add(jar);
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            mainClass = manifest.getMainAttributes().getValue("Main-Class");
            // As the java launcher and native-image do for -jar: the manifest's Add-Opens/Add-Exports for the class path.
            for (String attribute : List.of("Add-Opens", "Add-Exports")) {
                String packages = manifest.getMainAttributes().getValue(attribute);
                if (packages != null) {
                    for (String modulePackage : packages.strip().split("\\s+")) {
                        jvm.add("--" + attribute.toLowerCase() + "=" + modulePackage + "=ALL-UNNAMED");
                    }
                }
            }
            String entries = manifest.getMainAttributes().getValue("Class-Path");
            if (entries != null) {
                for (String entry : entries.strip().split("\\s+")) {
                    Path resolved = jar.getParent().resolve(entry).normalize();
                    if (!Files.exists(resolved)) {
                        throw new IllegalStateException(jar + "'s Class-Path names " + entry + ", which is missing");
                    }
                    classPath.add(resolved);
                }
            }
        }
    }

    private void applyMetaInf(Path jar) throws IOException {
        if (!jar.toString().endsWith(".jar")) {
            throw new IllegalStateException("class path entry " + jar + " is not a jar");
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> e = file.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (!entry.isDirectory() && entry.getName().startsWith("META-INF/native-image/")) {
                    entries.add(entry);
                }
            }
            for (ZipEntry entry : entries) {
                String name = entry.getName();
                String fileName = name.substring(name.lastIndexOf('/') + 1);
                if (excluded(jar, "/" + name)) {
                    continue;
                }
                if (fileName.equals("native-image.properties")) {
                    Properties properties = new Properties();
                    try (InputStream in = file.getInputStream(entry)) {
                        properties.load(in);
                    }
                    for (String key : properties.stringPropertyNames()) {
                        String value = properties.getProperty(key).strip();
                        if (value.contains("${")) {
                            throw new IllegalStateException(jar + "!/" + name + ": property substitution in " + key + " is not supported");
                        }
                        List<String> words = value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
                        switch (key) {
                            case "Args" -> apply(new ArrayDeque<>(words), jar.getParent(), jar + "!/" + name);
                            case "JavaArgs" -> jvm.addAll(words);
                            default -> throw new IllegalStateException(jar + "!/" + name + ": unsupported key " + key);
                        }
                    }
                } else if (CONFIGURATION_FILES.containsKey(fileName)) {
                    builder.add("-H:" + CONFIGURATION_FILES.get(fileName) + "=" + name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + jar, e);
        }
    }

    private boolean excluded(Path jar, String resource) {
        return exclusions.stream().anyMatch(e -> e.jar.matcher(jar.toString()).find() && e.resource.matcher(resource).find());
    }
}
