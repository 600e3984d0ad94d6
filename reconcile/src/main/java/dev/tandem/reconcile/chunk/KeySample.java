package dev.tandem.reconcile.chunk;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Chunk boundaries read off an ordered sample of a table's keys instead of walking the key: finding the key
 * {@code n} rows on reads {@code n} index entries, about a third of what digesting those rows costs, while a sample
 * of a few hundred random blocks is read once per table. Boundaries only decide chunk sizes, never what is compared,
 * so an estimate is enough (and a sample stored once per pass gives every instance the same boundaries); past the sample's last key (rows added since, or the table's tail) the planner walks the
 * key again. Not thread-safe: the planner's lock guards it.
 */
public final class KeySample {

    private final List<List<String>> keys;
    private final double rowsPerKey;
    private final List<String> from;
    /** Sampled keys given out so far, with the fraction of a key rounding left over (so chunk sizes do not drift). */
    private double position;
    private int next;
    private List<String> last;

    /**
     * @param from       where the sampled range starts (null: the key's start)
     * @param keys       sampled keys in chunk order, all above {@code from}
     * @param rowsPerKey rows each sampled key stands for
     */
    public KeySample(List<String> from, List<List<String>> keys, double rowsPerKey) {
        if (!(rowsPerKey > 0)) {
            throw new IllegalArgumentException("a key sample's rows per key must be positive, was " + rowsPerKey);
        }
        this.keys = List.copyOf(keys);
        this.rowsPerKey = rowsPerKey;
        this.from = from == null ? null : List.copyOf(from);
        this.last = this.from;
    }

    public int size() {
        return keys.size();
    }

    public double rowsPerKey() {
        return rowsPerKey;
    }

    /** Where the sampled range starts (null: the key's start). */
    public List<String> from() {
        return from;
    }

    /** The sampled keys in chunk order. */
    public List<List<String>> keys() {
        return keys;
    }

    /**
     * Moves on to {@code lower} when it is where the sample starts, the last boundary it gave, or one of its keys (a
     * boundary another instance read off the same stored sample); false when the sample cannot continue from there.
     */
    boolean seek(List<String> lower) {
        int at;
        if (Objects.equals(last, lower)) {
            return true;
        } else if (Objects.equals(from, lower)) {
            at = -1;
        } else if (lower == null || (at = keys.indexOf(lower)) < 0) {
            return false;
        }
        next = at + 1;
        position = next;
        last = lower;
        return true;
    }

    /**
     * The sampled key about {@code rows} rows after the last boundary; the last sampled key when the sample ends sooner;
     * empty once that was given (what lies beyond it was not sampled: rows added since, or the table's last few blocks).
     */
    Optional<List<String>> after(long rows) {
        if (next >= keys.size()) {
            return Optional.empty();
        }
        position = Math.max(position + rows / rowsPerKey, next + 1);
        int index = (int) Math.min(Math.round(position) - 1, keys.size() - 1L);
        next = index + 1;
        last = keys.get(index);
        return Optional.of(last);
    }
}
