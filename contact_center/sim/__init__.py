"""Data and traffic for demos, tests and benchmarks: the seeded data set and the simulator."""
