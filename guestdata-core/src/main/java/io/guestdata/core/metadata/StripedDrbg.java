package io.guestdata.core.metadata;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * A cryptographically strong {@link RandomGenerator} that many threads draw from at once without queueing on
 * one lock: a fixed set of independent SP 800-90A DRBGs ("stripes"), each behind its own lock.
 *
 * <p>Why: one shared {@code SecureRandom.getInstance("DRBG")} generates under its monitor
 * ({@code HashDrbg.generateAlgorithm} is {@code synchronized}), so concurrent {@code meta_data.json} requests
 * (a virtual thread each) queue there: at 256 connections that queue was the service's p99 (docs/benchmarks.md).
 * A {@code ThreadLocal} generator does not help: every request is a new virtual thread.
 *
 * <p>A draw starts at the stripe its thread id hashes to and takes the first stripe whose lock is free
 * ({@code tryLock}), so it waits only when every stripe is held at once; then it waits for its first stripe.
 * There are four stripes per processor (at most 64): only carrier threads run draws, and a stripe held by a
 * descheduled platform thread leaves the others free. Stripes are instantiated on first use, so an idle tree
 * holds only the empty array.
 *
 * <p>Strength: each stripe is the JDK's {@code DRBG} (Hash_DRBG over SHA-256 unless the security property
 * {@code securerandom.drbg.config} names another mechanism) instantiated at 256-bit security strength with its
 * own entropy input from the JDK's entropy source and its own nonce, so no two stripes share state. Besides the
 * JDK's automatic reseed (SP 800-90A §9.3.1 step 7, at its reseed interval), each stripe reseeds from the
 * entropy source every {@value #RESEED_INTERVAL} draws (§9.2), which bounds how much output a compromised
 * state would predict. Guests seed their entropy pool from {@code random_seed} as from Nova's
 * {@code os.urandom(512)}; this is as strong as the JDK's own DRBG, only not serialised.
 *
 * <p>Where the JDK has no {@code DRBG} at that strength, a stripe is the platform's default {@link SecureRandom}
 * (thread-safe and strong, reseeding on its own).
 */
public final class StripedDrbg implements RandomGenerator {
    /** Draws (calls) between a stripe's explicit reseeds: 32 MiB of {@code random_seed} values. */
    public static final int RESEED_INTERVAL = 1 << 16;
    private static final int MAX_STRIPES = 64;
    private static final int SECURITY_STRENGTH = 256;

    private final AtomicReferenceArray<Stripe> stripes;
    private final int mask;
    private final int reseedInterval;

    private StripedDrbg(int stripes, int reseedInterval) {
        this.stripes = new AtomicReferenceArray<>(stripes);
        this.mask = stripes - 1;
        this.reseedInterval = reseedInterval;
    }

    /** The process-wide generator (created on first use): what every tree draws from unless given another. */
    public static StripedDrbg shared() {
        return Shared.INSTANCE;
    }

    private static final class Shared {
        static final StripedDrbg INSTANCE = create();
    }

    /**
     * The generator for {@code random_seed}: four stripes per available processor (a power of two, at most 64).
     * Share one between all trees of a service ({@link MetadataTree#build(io.guestdata.core.Instance,
     * MetadataOptions, Ec2Ids, RandomGenerator)}); it is thread-safe.
     */
    public static StripedDrbg create() {
        int wanted = Math.min(MAX_STRIPES, 4 * Math.max(1, Runtime.getRuntime().availableProcessors()));
        return withStripes(Integer.highestOneBit(wanted - 1) << 1);
    }

    /**
     * A generator with exactly {@code stripes} stripes (benchmarks, tests).
     *
     * @throws IllegalArgumentException unless {@code stripes} is a power of two from 1 to 64
     */
    public static StripedDrbg withStripes(int stripes) {
        return new StripedDrbg(checkedStripes(stripes), RESEED_INTERVAL);
    }

    /** As {@link #withStripes}, reseeding every {@code reseedInterval} draws (tests of the reseed path). */
    static StripedDrbg withStripes(int stripes, int reseedInterval) {
        if (reseedInterval < 1) {
            throw new IllegalArgumentException("reseedInterval must be at least 1: got " + reseedInterval);
        }
        return new StripedDrbg(checkedStripes(stripes), reseedInterval);
    }

    private static int checkedStripes(int stripes) {
        if (stripes < 1 || stripes > MAX_STRIPES || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two from 1 to " + MAX_STRIPES
                    + ": got " + stripes);
        }
        return stripes;
    }

    public int stripes() {
        return mask + 1;
    }

    /** Fills {@code bytes} from one stripe, in one SP 800-90A generate call. */
    @Override
    public void nextBytes(byte[] bytes) {
        Stripe stripe = acquire();
        try {
            stripe.draw(bytes, reseedInterval);
        } finally {
            stripe.lock.unlock();
        }
    }

    @Override
    public long nextLong() {
        byte[] bytes = new byte[Long.BYTES];
        nextBytes(bytes);
        long value = 0;
        for (byte b : bytes) {
            value = value << 8 | (b & 0xff);
        }
        return value;
    }

    /** The first free stripe from this thread's, or this thread's own once all are held (then it waits). */
    private Stripe acquire() {
        // Fibonacci hashing: consecutive thread ids (a virtual thread per request) land on different stripes.
        int home = (int) ((Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        for (int i = 0; i <= mask; i++) {
            Stripe stripe = stripe((home + i) & mask);
            if (stripe.lock.tryLock()) {
                return stripe;
            }
        }
        Stripe stripe = stripe(home);
        stripe.lock.lock();
        return stripe;
    }

    private Stripe stripe(int index) {
        Stripe stripe = stripes.get(index);
        if (stripe == null) {
            Stripe created = new Stripe(newDrbg());
            stripe = stripes.compareAndExchange(index, null, created);
            if (stripe == null) {
                stripe = created;
            }
        }
        return stripe;
    }

    private static SecureRandom newDrbg() {
        try {
            return SecureRandom.getInstance("DRBG",
                    DrbgParameters.instantiation(SECURITY_STRENGTH, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    @Override
    public String toString() {
        Stripe first = stripe(0);
        return "StripedDrbg[" + stripes() + " × " + first.drbg + "]"; // e.g. Hash_DRBG,SHA-256,256,reseed_only
    }

    /** One DRBG and the lock its draws hold. */
    private static final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final SecureRandom drbg;
        final boolean reseeds;
        int draws; // guarded by lock

        Stripe(SecureRandom drbg) {
            this.drbg = drbg;
            this.reseeds = drbg.getParameters() instanceof DrbgParameters.Instantiation p
                    && p.getCapability().supportsReseeding();
        }

        /** Called with {@link #lock} held. */
        void draw(byte[] bytes, int reseedInterval) {
            if (reseeds && ++draws >= reseedInterval) {
                draws = 0;
                drbg.reseed(); // fresh entropy input (SP 800-90A §9.2)
            }
            drbg.nextBytes(bytes);
        }
    }
}
