package dev.tandem.deploy.bench;

/** An application the cutover part runs through the route while it switches: what it committed and had refused. */
interface Workload extends AutoCloseable {

    long committed();

    long refused();

    @Override
    void close() throws InterruptedException;
}
