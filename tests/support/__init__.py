"""Test support: paths, fakes that implement the real contracts, and fixture writers."""
