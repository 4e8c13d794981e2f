package dev.spindle.demo;

/** Deterministic CPU-bound work for {@code /cpu}: counting primes by trial division. */
final class Primes {

    private Primes() {
    }

    /** How many primes are below {@code n}. */
    static int countBelow(int n) {
        int count = 0;
        for (int candidate = 2; candidate < n; candidate++) {
            if (isPrime(candidate)) {
                count++;
            }
        }
        return count;
    }

    private static boolean isPrime(int candidate) {
        if (candidate < 4) {
            return candidate > 1;
        }
        if (candidate % 2 == 0) {
            return false;
        }
        for (int divisor = 3; (long) divisor * divisor <= candidate; divisor += 2) {
            if (candidate % divisor == 0) {
                return false;
            }
        }
        return true;
    }
}
