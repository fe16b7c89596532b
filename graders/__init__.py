"""Trusted reference implementations and case generators for the course's coding tasks.

Each module is self-contained (NumPy only, no imports between modules) because the grader
may load a module by its file path.  A reference has exactly the signature the students
implement; a generator ``random_*(rng)`` takes a ``numpy.random.Generator`` and returns the
keyword arguments of one case.

References carry no annotations on purpose: ``inspect.signature(reference)`` then reads
exactly like the signature given to the students, which the tests check.
"""
