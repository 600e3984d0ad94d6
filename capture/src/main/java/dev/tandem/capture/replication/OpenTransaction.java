package dev.tandem.capture.replication;

/**
 * A transaction a slot creation waits for, as {@code pg_stat_activity} shows it: its session's pid, user, database,
 * application and state, how long the transaction has been open and the statement the session ran last.
 */
public record OpenTransaction(int pid, String user, String database, String application, String state, long openSeconds,
                              String lastQuery) {

    @Override
    public String toString() {
        return "pid " + pid + " (" + user + "@" + database + (application == null || application.isEmpty() ? ""
                : ", " + application) + ", " + state + ", transaction open " + openSeconds + " s, last ran: "
                + lastQuery + ")";
    }
}
