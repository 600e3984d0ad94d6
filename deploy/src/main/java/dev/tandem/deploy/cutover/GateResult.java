package dev.tandem.deploy.cutover;

/** One cutover gate's verdict with the numbers behind it. */
public record GateResult(String gate, boolean passed, String detail) {

    @Override
    public String toString() {
        return (passed ? "pass  " : "FAIL  ") + gate + ": " + detail;
    }
}
