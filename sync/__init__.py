"""The shared contract: wire schemas, protocol version and pure pricing/points rules. No I/O."""
