"""Support for tests and benchmarks: a backend in a thread, a throwaway PostgreSQL cluster."""
