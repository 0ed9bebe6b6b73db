"""`pos-central demo`: a realistic Chinese convenience/wholesale business to try the system with."""
