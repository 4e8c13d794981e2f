package dev.spindle.http;

/**
 * A typed key for request attributes, Flask's {@code g}: {@code static final AttributeKey<User> USER = AttributeKey.of("user", User.class);}
 * then {@code ctx.attribute(USER, user)} in a before hook and {@code ctx.attribute(USER)} in the handler.
 * Keys compare by identity, so two libraries choosing the same name never collide.
 *
 * @param <T> the attribute's type
 */
public final class AttributeKey<T> {

    private final String name;
    private final Class<T> type;

    private AttributeKey(String name, Class<T> type) {
        this.name = name;
        this.type = type;
    }

    public static <T> AttributeKey<T> of(String name, Class<T> type) {
        return new AttributeKey<>(name, type);
    }

    /** The name given to {@link #of}, for messages; it plays no part in lookups. */
    public String name() {
        return name;
    }

    /** The type of the values this key holds. */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "AttributeKey[" + name + ": " + type.getSimpleName() + "]";
    }
}
