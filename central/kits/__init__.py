"""Kits and re-packing (拆组): templates, assembly and disassembly documents."""
