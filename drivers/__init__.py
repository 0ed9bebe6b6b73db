"""Hardware behind small interfaces, each with a simulator. Imports nothing of ours."""
