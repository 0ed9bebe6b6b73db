"""B2B customers served by sales reps: master data with field-level history, field orders, visits."""
