package dev.tandem.deploy.lifecycle.switchover;

/** One cutover gate's verdict with the numbers behind it. */
public record GateResult(String gate, boolean passed, String detail) {

    @Override
    public String toString() {
        return (passed ? "pass  " : "FAIL  ") + gate + ": " + detail;
    }
}
