#!/usr/bin/env python3
"""Golden values for SeededRandom, from an independent Python implementation.

Run: python3 Tests/Fixtures/random/make_random_golden.py > Tests/Fixtures/random/golden.json
Needs only the Python standard library (tested with CPython 3.11).

The generator is SplitMix64 (Steele, Lea & Flood 2014; Vigna's splitmix64.c). The published
first output of splitmix64 from state 0 is 0xE220A8397B1DCDAF; this script asserts it before
writing anything, so the Python side is itself checked against the literature.
"""
import json
import math

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Stream:
    def __init__(self, state):
        self.state = state

    @classmethod
    def named(cls, seed, purpose):
        h = 0xCBF29CE484222325
        for b in purpose.encode("utf-8"):
            h ^= b
            h = (h * 0x100000001B3) & M64
        return cls(mix(seed ^ mix(h)))

    def next(self):
        self.state = (self.state + GAMMA) & M64
        return mix(self.state)

    def uniform_float(self):
        return (self.next() >> 40) * 2.0 ** -24

    def uniform_double(self):
        return (self.next() >> 11) * 2.0 ** -53

    def int_below(self, n):
        # Lemire's multiply-shift with rejection.
        p = self.next() * n
        low = p & M64
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                p = self.next() * n
                low = p & M64
        return p >> 64

    def normal(self):
        u1 = 1.0 - self.uniform_double()
        u2 = self.uniform_double()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = self.int_below(i + 1)
            xs[i], xs[j] = xs[j], xs[i]
        return xs

    def sample(self, k, n):
        displaced, out = {}, []
        for i in range(k):
            j = i + self.int_below(n - i)
            at_j, at_i = displaced.get(j, j), displaced.get(i, i)
            out.append(at_j)
            displaced[j] = at_i
        return out


def main():
    s = Stream(0)
    assert s.next() == 0xE220A8397B1DCDAF, "splitmix64 reference value"
    out = {"format_version": 1, "generator": "splitmix64"}
    s = Stream(0)
    out["raw_state0"] = [str(s.next()) for _ in range(5)]
    s = Stream.named(42, "init")
    out["named_42_init_state"] = str(s.state)
    out["named_42_init_raw"] = [str(s.next()) for _ in range(5)]
    s = Stream.named(42, "dropout")
    out["named_42_dropout_raw"] = [str(s.next()) for _ in range(3)]
    s = Stream.named(7, "sample")
    out["uniform_float"] = [s.uniform_float() for _ in range(5)]
    out["uniform_double"] = [s.uniform_double() for _ in range(5)]
    out["int_below_10"] = [s.int_below(10) for _ in range(10)]
    out["int_below_3e9"] = [s.int_below(3_000_000_000) for _ in range(5)]
    out["normal"] = [s.normal() for _ in range(5)]
    out["shuffle_10"] = s.shuffle(list(range(10)))
    out["sample_5_of_1000"] = s.sample(5, 1000)
    out["final_state"] = str(s.state)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
