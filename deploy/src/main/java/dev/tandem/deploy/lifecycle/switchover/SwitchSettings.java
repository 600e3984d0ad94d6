package dev.tandem.deploy.lifecycle.switchover;

import java.time.Duration;

/**
 * How a cutover or rollback may run.
 *
 * @param writeBlockBudget   longest write block allowed; past it the switch aborts and the old side reopens
 * @param maxLag             the sync must apply a fence within this time for the lag gate to pass
 * @param maxVerificationAge the newest clean verification pass must be at most this old
 * @param roundTripSample    rows per table checked for reverse(forward(row)) = row
 */
public record SwitchSettings(Duration writeBlockBudget, Duration maxLag, Duration maxVerificationAge, int roundTripSample) {

    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_VERIFICATION_AGE = Duration.ofMinutes(30);
    public static final int DEFAULT_ROUND_TRIP_SAMPLE = 200;

    public static final SwitchSettings DEFAULTS = new SwitchSettings(DEFAULT_BUDGET, DEFAULT_MAX_LAG,
            DEFAULT_MAX_VERIFICATION_AGE, DEFAULT_ROUND_TRIP_SAMPLE);

    public SwitchSettings {
        if (writeBlockBudget == null || writeBlockBudget.isNegative() || writeBlockBudget.isZero()) {
            throw new IllegalArgumentException("write-block budget " + writeBlockBudget + " must be positive (default "
                    + DEFAULT_BUDGET.toMillis() + " ms)");
        }
        if (maxLag == null || maxLag.isNegative() || maxLag.isZero()) {
            throw new IllegalArgumentException("max lag " + maxLag + " must be positive (default " + DEFAULT_MAX_LAG + ")");
        }
        if (maxVerificationAge == null || maxVerificationAge.isNegative()) {
            throw new IllegalArgumentException("max verification age " + maxVerificationAge + " must not be negative");
        }
        if (roundTripSample < 1) {
            throw new IllegalArgumentException("round-trip sample " + roundTripSample + " must be at least 1 (default "
                    + DEFAULT_ROUND_TRIP_SAMPLE + ")");
        }
    }

    public SwitchSettings withBudget(Duration budget) {
        return new SwitchSettings(budget, maxLag, maxVerificationAge, roundTripSample);
    }
}
