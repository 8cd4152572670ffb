"""Where CPU work runs: the capped worker pool, the jobs it runs, the store a worker opens, the compiled Validate fast path."""
