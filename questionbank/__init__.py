"""qbank: a bilingual question bank, exam generator and sandboxed NumPy autograder."""

__version__ = "0.1.0"
