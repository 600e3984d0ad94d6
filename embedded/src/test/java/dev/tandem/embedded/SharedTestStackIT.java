package dev.tandem.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/** All tests in a JVM share one stack under the module's target directory. */
class SharedTestStackIT {

    @Test
    void oneStackPerJvmUnderTheModulesTargetDirectory() throws Exception {
        EmbeddedStack stack = SharedTestStack.get();

        assertSame(stack, SharedTestStack.get());
        assertEquals(Path.of("target", "tandem-test-stack").toAbsolutePath(), stack.workDir());
        stack.postgres().createDatabase("shared_test_stack_it");
        try (Connection connection = stack.postgres().connect("shared_test_stack_it");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW wal_level")) {
            assertTrue(rows.next());
            assertEquals("logical", rows.getString(1));
        }
    }
}
