package dev.tandem.deploy.lifecycle.readiness;

/**
 * One preflight check's outcome.
 *
 * @param check  what was checked
 * @param status PASS, WARN (works, but a risk worth knowing) or FAIL (tandem cannot run)
 * @param detail what was found
 * @param fix    what to do about a WARN or FAIL (empty for PASS)
 */
public record CheckResult(String check, Status status, String detail, String fix) {

    /** How a check came out. */
    public enum Status { PASS, WARN, FAIL }

    static CheckResult pass(String check, String detail) {
        return new CheckResult(check, Status.PASS, detail, "");
    }

    @Override
    public String toString() {
        return String.format("%-4s %s: %s%s", status, check, detail, fix.isEmpty() ? "" : "; fix: " + fix);
    }
}
