package dev.tandem.deploy.lifecycle;

/**
 * Named points in a switch where a fault test can make the process die on the spot, as a kill -9 would
 * (no shutdown hooks, connections dropped by the operating system). Enabled only by the system property
 * {@code tandem.failpoint}, which nothing but the fault tests sets.
 */
public final class Failpoint {

    private static final String ARMED = System.getProperty("tandem.failpoint");

    private Failpoint() {
    }

    public static void reach(String name) {
        if (name.equals(ARMED)) {
            System.err.println("failpoint " + name + " reached: halting");
            Runtime.getRuntime().halt(137);
        }
    }
}
