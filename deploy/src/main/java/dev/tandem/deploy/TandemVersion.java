package dev.tandem.deploy;

import picocli.CommandLine;

/** Reports the version Maven stamped into the jar's manifest. */
public final class TandemVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = TandemVersion.class.getPackage().getImplementationVersion();
        return new String[] {"tandem " + (version == null ? "development build" : version)};
    }
}
