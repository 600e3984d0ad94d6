package dev.tandem.deploy.lifecycle.switchover;

import java.time.Duration;

/**
 * How a cutover or rollback may run.
 *
 * @param writeBlockBudget   longest write block allowed; past it the switch aborts and the old side reopens
 * @param maxLag             the sync must apply a fence within this time for the lag gate to pass
 * @param maxVerificationAge the newest clean verification pass must be at most this old
 * @param roundTripSample    rows per table checked for reverse(forward(row)) = row
 * @param sequenceMargin     how far past the largest value in its column a switch sets the opening side's sequences.
 *                           None is needed for correctness (the opening side takes no application writes until its
 *                           sequences are set, and the sync has drained); the default of 1000 is free in a 64-bit key
 *                           space, marks each switch as a visible gap in the keys, and keeps a writer tandem's block
 *                           cannot see (one running with triggers disabled) from colliding with the next insert at once
 * @param requireReady       whether the readiness gate refuses a cutover over its warnings (unmapped legacy tables,
 *                           legacy indexes without a counterpart) instead of listing them and passing
 */
public record SwitchSettings(Duration writeBlockBudget, Duration maxLag, Duration maxVerificationAge, int roundTripSample,
                             long sequenceMargin, boolean requireReady) {

    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_VERIFICATION_AGE = Duration.ofMinutes(30);
    public static final int DEFAULT_ROUND_TRIP_SAMPLE = 200;
    public static final long DEFAULT_SEQUENCE_MARGIN = 1000;

    public static final SwitchSettings DEFAULTS = new SwitchSettings(DEFAULT_BUDGET, DEFAULT_MAX_LAG,
            DEFAULT_MAX_VERIFICATION_AGE, DEFAULT_ROUND_TRIP_SAMPLE, DEFAULT_SEQUENCE_MARGIN, false);

    /** Settings with the default sequence margin; readiness warnings pass. */
    public SwitchSettings(Duration writeBlockBudget, Duration maxLag, Duration maxVerificationAge, int roundTripSample) {
        this(writeBlockBudget, maxLag, maxVerificationAge, roundTripSample, DEFAULT_SEQUENCE_MARGIN, false);
    }

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
        if (sequenceMargin < 0) {
            throw new IllegalArgumentException("sequence margin " + sequenceMargin + " must not be negative (default "
                    + DEFAULT_SEQUENCE_MARGIN + ")");
        }
    }

    public SwitchSettings withBudget(Duration budget) {
        return new SwitchSettings(budget, maxLag, maxVerificationAge, roundTripSample, sequenceMargin, requireReady);
    }

    public SwitchSettings withRequireReady(boolean require) {
        return new SwitchSettings(writeBlockBudget, maxLag, maxVerificationAge, roundTripSample, sequenceMargin, require);
    }
}
