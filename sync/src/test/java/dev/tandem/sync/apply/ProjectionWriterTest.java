package dev.tandem.sync.apply;

import static dev.tandem.sync.apply.NetChangesTest.map;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text arrays the upserts and deletes bind, whatever order a change's image lists its columns in. */
class ProjectionWriterTest {

    private static final String[] COLUMNS = {"id", "name", "note"};

    @Test
    void valuesComeOutPerColumnInTheAskedOrder() {
        List<ChangeEnvelope> rows = List.of(
                row(map("id", "1", "name", "a", "note", null)),
                row(map("note", "n2", "id", "2", "name", "b")),   // another column order
                row(map("id", "3", "extra", "x", "note", "n3", "name", "c")));  // more columns, one out of order
        String[][] values = ProjectionWriter.columnValues(rows, COLUMNS, false);
        assertArrayEquals(new String[] {"1", "2", "3"}, values[0]);
        assertArrayEquals(new String[] {"a", "b", "c"}, values[1]);
        assertArrayEquals(new String[] {null, "n2", "n3"}, values[2]);
    }

    @Test
    void aColumnTheImageLacksIsNull() {
        String[][] values = ProjectionWriter.columnValues(List.of(row(map("id", "1", "note", "n"))), COLUMNS, false);
        assertArrayEquals(new String[][] {{"1"}, {null}, {"n"}}, values);
    }

    @Test
    void keysAreReadFromTheKeyImage() {
        ChangeEnvelope delete = ChangeEnvelope.change(new SourcePosition(1, 2, 3, 1), 0, "s.t", Operation.DELETE,
                map("b", "2", "a", "1"), null, null, Set.of());
        assertArrayEquals(new String[][] {{"1"}, {"2"}},
                ProjectionWriter.columnValues(List.of(delete), new String[] {"a", "b"}, true));
    }

    @Test
    void fillingTellsWhetherEveryImageHadExactlyTheColumnsInOrder() {
        String[][] values = new String[COLUMNS.length][2];
        assertTrue(ProjectionWriter.fillColumns(List.of(row(map("id", "1", "name", "a", "note", null)),
                row(map("id", "2", "name", "b", "note", "n"))), COLUMNS, false, values));
        assertArrayEquals(new String[][] {{"1", "2"}, {"a", "b"}, {null, "n"}}, values);
        for (LinkedHashMap<String, String> other : List.of(map("name", "a", "id", "1", "note", null),
                map("id", "1", "name", "a"), map("id", "1", "name", "a", "note", null, "x", "y"),
                map("x", "y", "id", "1", "name", "a", "note", null))) {
            assertFalse(ProjectionWriter.fillColumns(List.of(row(map("id", "0", "name", "z", "note", null)), row(other)),
                    COLUMNS, false, new String[COLUMNS.length][2]), other.toString());
        }
    }

    @Test
    void theUsualShapeIsRecognisedAndEveryOtherIsNot() {
        assertTrue(ProjectionWriter.hasColumnsInOrder(map("id", "1", "name", "a", "note", null), COLUMNS));
        assertFalse(ProjectionWriter.hasColumnsInOrder(map("name", "a", "id", "1", "note", null), COLUMNS));
        assertFalse(ProjectionWriter.hasColumnsInOrder(map("id", "1", "name", "a"), COLUMNS));
        assertFalse(ProjectionWriter.hasColumnsInOrder(map("id", "1", "name", "a", "note", null, "x", "y"), COLUMNS));
        assertFalse(ProjectionWriter.hasColumnsInOrder(map("id", "1", "name", "a", "notes", null), COLUMNS));
    }

    private static ChangeEnvelope row(LinkedHashMap<String, String> after) {
        return ChangeEnvelope.change(new SourcePosition(1, 2, 3, 1), 0, "s.t", Operation.INSERT, map("id", after.get("id")),
                null, after, Set.of());
    }
}
