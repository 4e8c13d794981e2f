package dev.spindle.demo.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One scrape of a Prometheus text exposition ({@code /metrics}), parsed into samples, and what
 * bench reads from two of them: a counter's growth and a histogram's percentile over the interval.
 */
record Scrape(List<Sample> samples) {

    /** One line: {@code name{label="value",…} number}. */
    record Sample(String name, Map<String, String> labels, double value) {

        String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    static final Scrape EMPTY = new Scrape(List.of());

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Sample sample = sample(line.strip());
            if (sample != null) {
                samples.add(sample);
            }
        }
        return new Scrape(List.copyOf(samples));
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (i < line.length() && line.charAt(i) != '}') {
                int equals = line.indexOf('=', i);
                if (equals < 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                    return null;
                }
                String key = line.substring(i, equals).strip();
                StringBuilder value = new StringBuilder();
                int j = equals + 2;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\' && j + 1 < line.length()) {
                        char escaped = line.charAt(++j);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
            space = i + 1;
        } else {
            space = line.indexOf(' ');
            if (space < 0) {
                return null;
            }
            name = line.substring(0, space);
        }
        String rest = line.substring(Math.min(space, line.length())).strip();
        int end = rest.indexOf(' ');
        String number = end < 0 ? rest : rest.substring(0, end);
        try {
            return new Sample(name, Map.copyOf(labels), parseNumber(number));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static double parseNumber(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    boolean isSpindle() {
        return samples.stream().anyMatch(sample -> sample.name().startsWith("spindle_"));
    }

    List<Sample> named(String name, Predicate<Sample> filter) {
        return samples.stream().filter(sample -> sample.name().equals(name) && filter.test(sample)).toList();
    }

    /** The sum of the matching samples. */
    double sum(String name, Predicate<Sample> filter) {
        return named(name, filter).stream().mapToDouble(Sample::value).sum();
    }

    /** How much the matching counters grew from {@code before} to this scrape. */
    double growth(Scrape before, String name, Predicate<Sample> filter) {
        return Math.max(0, sum(name, filter) - before.sum(name, filter));
    }

    /**
     * The {@code q} quantile (0..1) of the requests a Prometheus histogram recorded between
     * {@code before} and this scrape, as the upper bound of the bucket it falls in, in the
     * histogram's unit; {@code NaN} when it recorded none.
     */
    double quantile(Scrape before, String histogram, Predicate<Sample> filter, double q) {
        Map<Double, Double> grown = new java.util.TreeMap<>();
        for (Sample bucket : named(histogram + "_bucket", filter)) {
            double le = parseNumber(bucket.label("le"));
            grown.merge(le, bucket.value(), Double::sum);
        }
        for (Sample bucket : before.named(histogram + "_bucket", filter)) {
            double le = parseNumber(bucket.label("le"));
            grown.merge(le, -bucket.value(), Double::sum);
        }
        double total = grown.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        for (Map.Entry<Double, Double> bucket : grown.entrySet()) {
            if (bucket.getValue() >= q * total) {
                return bucket.getKey();
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
