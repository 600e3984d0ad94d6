package dev.tandem.deploy.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One shop transaction in one side's schema. Existing rows are picked among the seeded ones (never deleted as a
 * whole customer, so every order names a customer that exists on both sides); new orders and customers take their
 * keys from the side's own sequences.
 */
interface ShopWrites {

    /** Runs one transaction's statements (the caller commits); returns the key of the order it inserted, or 0. */
    long oneTransaction(Connection c, ThreadLocalRandom random) throws SQLException;

    static long returnedId(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
