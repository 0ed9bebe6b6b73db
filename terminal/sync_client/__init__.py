"""The terminal side of sync: transport, push, pull, bootstrap and the background loop."""
