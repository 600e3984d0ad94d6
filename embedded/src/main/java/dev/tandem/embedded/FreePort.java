package dev.tandem.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Picks a TCP port on the loopback interface that is free at the moment of asking. */
final class FreePort {

    private FreePort() {
    }

    /** Returns a port nothing listens on now; another process may still take it before the caller binds it. */
    static int pick() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free TCP port on 127.0.0.1: binding port 0 failed", e);
        }
    }
}
