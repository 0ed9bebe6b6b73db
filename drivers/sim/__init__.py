"""Simulators for every device, for tests, the demo and installers without hardware."""
