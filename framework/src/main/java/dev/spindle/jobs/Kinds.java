package dev.spindle.jobs;

import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/** The job kinds registered with {@link JobSettings#kind}, and the JSON of their inputs. */
final class Kinds {

    record Kind<I>(String name, Class<I> input, JobKind<I> work) {

        /** The work for a job of this kind with this stored input ({@code null} reads as {@code null}). */
        JobWork bind(JsonMapper json, String stored) {
            return job -> work.run(job, stored == null ? null : json.read(stored.getBytes(StandardCharsets.UTF_8), input));
        }
    }

    private final Map<String, Kind<?>> kinds;
    private final JsonMapper json;

    Kinds(Map<String, Kind<?>> kinds, JsonMapper json) {
        this.kinds = Map.copyOf(kinds);
        this.json = json;
    }

    JsonMapper jsonMapper() {
        return json;
    }

    Set<String> names() {
        return kinds.keySet();
    }

    boolean isEmpty() {
        return kinds.isEmpty();
    }

    /** @throws IllegalArgumentException for a kind nobody registered */
    Kind<?> get(String name) {
        Kind<?> kind = kinds.get(name);
        if (kind == null) {
            throw new IllegalArgumentException("No job kind '" + name + "' is registered; the kinds are " + kinds.keySet());
        }
        return kind;
    }

    /** The work of a stored job of a registered kind. */
    JobWork work(Job job) {
        return get(job.kind()).bind(json, job.input());
    }

    /** An input as stored: its JSON. */
    String write(Object input) {
        return new String(json.write(input), StandardCharsets.UTF_8);
    }
}
