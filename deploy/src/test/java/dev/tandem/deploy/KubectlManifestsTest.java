package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Validates the Kubernetes manifests with kubectl itself, offline: every document must decode into its Kubernetes API
 * type (kubectl's own scheme: known apiVersion and kind, every field of the right type), and for the Deployment and the
 * Service, whose typed form kubectl prints back, no field may be dropped (a misspelled or unknown field).
 */
class KubectlManifestsTest {

    private static final Path K8S = Path.of("").toAbsolutePath().resolve("k8s");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What {@code kubectl set env} says once an object decoded but has no pod template. */
    private static final String NOT_A_POD = "the object is not a pod or does not have a pod template";
    private static final String PROBE = "TANDEM_MANIFEST_CHECK";

    @Test
    void everyManifestDecodesIntoItsKubernetesTypeWithNoUnknownField(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not on PATH: client-side validation of deploy/k8s is skipped; install kubectl "
                + "(1.27 or newer) to run it");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        List<Path> files;
        try (Stream<Path> listed = Files.list(K8S)) {
            files = listed.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path file : files) {
            String[] documents = Files.readString(file).split("(?m)^---\\s*$");
            for (int i = 0; i < documents.length; i++) {
                Object parsed = new Yaml().load(documents[i]);
                if (parsed == null) {
                    continue; // an empty document (a leading ---)
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> manifest = (Map<String, Object>) parsed;
                String where = K8S.relativize(file) + (documents.length > 1 ? " document " + (i + 1) : "") + " (" + manifest.get("kind") + ")";
                Path single = dir.resolve(file.getFileName() + "." + i + ".yaml");
                Files.writeString(single, documents[i]);
                problems.addAll(check(where, single, manifest, dir));
                checked++;
            }
        }
        assertTrue(checked >= 5, "expected the Namespace, Deployment, Service, ConfigMap and Secret in " + K8S + ", checked " + checked);
        assertEquals(List.of(), problems);
    }

    @Test
    void aMisspelledFieldAndAWrongTypeAreCaught(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not on PATH: nothing to check the checker with");
        String deployment = Files.readString(K8S.resolve("deployment.yaml"));
        Path misspelled = dir.resolve("misspelled.yaml");
        Files.writeString(misspelled, deployment.replace("readinessProbe:", "readynessProbe:"));
        List<String> found = check("misspelled", misspelled, load(misspelled), dir);
        assertTrue(found.stream().anyMatch(p -> p.contains("readynessProbe")), found.toString());

        Path wrongType = dir.resolve("wrong-type.yaml");
        Files.writeString(wrongType, deployment.replace("replicas: 3", "replicas: three"));
        List<String> typed = check("wrong type", wrongType, load(wrongType), dir);
        assertTrue(typed.stream().anyMatch(p -> p.contains("replicas")), typed.toString());

        Path service = dir.resolve("service.yaml");
        Files.writeString(service, Files.readString(K8S.resolve("service.yaml")).replace("targetPort:", "targetPorts:"));
        List<String> serviceProblems = check("service", service, load(service), dir);
        assertTrue(serviceProblems.stream().anyMatch(p -> p.contains("targetPorts")), serviceProblems.toString());
    }

    /** The problems kubectl finds with one manifest document (empty when it is valid). */
    private static List<String> check(String where, Path file, Map<String, Object> manifest, Path dir) throws Exception {
        Result typed = kubectl(dir, "set", "env", "--local", "--dry-run=client", "-o", "json", "-f", file.toString(), PROBE + "=1");
        if (typed.code == 0) {
            Map<String, Object> printed = withoutProbe(JSON.readValue(typed.out, Map.class));
            return dropped(where, "", manifest, printed);
        }
        if (!typed.err.contains(NOT_A_POD)) {
            return List.of(where + ": kubectl cannot decode it: " + typed.err.strip());
        }
        if ("Service".equals(manifest.get("kind"))) {
            Object spec = manifest.get("spec");
            Object selector = spec instanceof Map<?, ?> s ? s.get("selector") : null;
            if (!(selector instanceof Map<?, ?> labels) || labels.isEmpty()) {
                return List.of(where + ": the Service has no spec.selector, so it reaches no pod");
            }
            String same = labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
            Result service = kubectl(dir, "set", "selector", "--local", "--dry-run=client", "-o", "json", "-f", file.toString(), same);
            if (service.code != 0) {
                return List.of(where + ": kubectl cannot decode it: " + service.err.strip());
            }
            return dropped(where, "", manifest, JSON.readValue(service.out, Map.class));
        }
        return List.of();
    }

    /** The fields of {@code given} that kubectl's typed form {@code printed} lacks: fields Kubernetes does not know. */
    private static List<String> dropped(String where, String path, Object given, Object printed) {
        List<String> problems = new ArrayList<>();
        if (given instanceof Map<?, ?> map) {
            if (!(printed instanceof Map<?, ?> typed)) {
                return List.of(where + ": " + path + " is not an object for Kubernetes");
            }
            for (Map.Entry<?, ?> field : map.entrySet()) {
                String at = path.isEmpty() ? String.valueOf(field.getKey()) : path + "." + field.getKey();
                if (!typed.containsKey(field.getKey())) {
                    problems.add(where + ": " + at + " is not a field of " + (path.isEmpty() ? "the object" : path)
                            + " (kubectl dropped it): fix its spelling or remove it");
                } else {
                    problems.addAll(dropped(where, at, field.getValue(), typed.get(field.getKey())));
                }
            }
        } else if (given instanceof List<?> list) {
            if (!(printed instanceof List<?> typed) || typed.size() != list.size()) {
                return List.of(where + ": " + path + " lost entries in kubectl's typed form");
            }
            for (int i = 0; i < list.size(); i++) {
                problems.addAll(dropped(where, path + "[" + i + "]", list.get(i), typed.get(i)));
            }
        }
        return problems;
    }

    /** {@code printed} without the environment variable the check added to every container. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutProbe(Map<String, Object> printed) {
        Map<String, Object> spec = (Map<String, Object>) printed.get("spec");
        Map<String, Object> podSpec = spec.containsKey("template")
                ? (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec") : spec;
        for (Object container : (List<Object>) podSpec.getOrDefault("containers", List.of())) {
            List<Map<String, Object>> env = (List<Map<String, Object>>) ((Map<String, Object>) container).get("env");
            if (env != null) {
                env.removeIf(e -> PROBE.equals(e.get("name")));
                if (env.isEmpty()) {
                    ((Map<String, Object>) container).remove("env");
                }
            }
        }
        return printed;
    }

    private static Map<String, Object> load(Path file) throws IOException {
        return new Yaml().load(Files.readString(file));
    }

    private record Result(int code, String out, String err) {
    }

    /** Runs kubectl with an empty kubeconfig, so nothing can reach a cluster. */
    private static Result kubectl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        Path kubeconfig = dir.resolve("kubeconfig");
        if (!Files.exists(kubeconfig)) {
            Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
        }
        Path out = dir.resolve("kubectl.out");
        Path err = dir.resolve("kubectl.err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("KUBECONFIG", kubeconfig.toString());
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator)).map(p -> Path.of(p, tool)).anyMatch(Files::isExecutable);
    }
}
